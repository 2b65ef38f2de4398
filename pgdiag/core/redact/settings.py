"""Server settings whose value is a connection string (``primary_conninfo``, an extension's
``*.conninfo``…) keep their password in pg_settings, readable to superusers and pg_read_all_settings;
pgdiag stores and reports them without it."""

from __future__ import annotations

from pgdiag.core.redact.text import KEYWORD_PASSWORD, QUERY_PASSWORD, URL_PASSWORD, redact


def redact_setting(value: object) -> object:
    """`value` with the password of any connection string in it replaced by ``***``; anything that is not a
    string, or holds no password, unchanged.

    >>> redact_setting("host=primary port=5432 user=rep password='s3 cret' sslmode=require")
    'host=primary port=5432 user=rep password=*** sslmode=require'
    >>> redact_setting("postgresql://rep:s3cret@primary/db"), redact_setting(8)
    ('postgresql://rep:***@primary/db', 8)
    """
    if not isinstance(value, str):
        return value
    if any(pattern.search(value) for pattern in (KEYWORD_PASSWORD, QUERY_PASSWORD, URL_PASSWORD)):
        return redact(value, ())
    return value
