"""Secrets written inside statement texts, hidden before pgdiag keeps or shows a text.

pg_stat_statements replaces the constants of SELECT, INSERT, UPDATE, DELETE and MERGE with ``$n``,
but keeps utility statements (``track_utility``, on by default) as they were written:
``ALTER ROLE app PASSWORD 'secret'``, ``CREATE USER MAPPING … OPTIONS (password 'secret')``,
``CREATE SUBSCRIPTION … CONNECTION 'host=… password=secret'``. The statements collector replaces
such values with ``***`` as it reads them, so no report, store, log or notification carries them.
"""

from __future__ import annotations

import re

HIDDEN = "***"
# PASSWORD 'value' (roles) and password 'value' in OPTIONS (user mappings; the option name may be quoted),
# with comments or no space before the value; plain, E'' (backslash escapes), U&'' and dollar-quoted values.
_PASSWORD_LITERAL = re.compile(
    r"""(\b\w*password"?\s*(?:/\*.*?\*/\s*)*)"""
    r"""(?:[eE]'(?:[^'\\]|\\.|'')*'|[uU]&'(?:[^']|'')*'|'(?:[^']|'')*'|(\$[A-Za-z_0-9]*\$).*?\2)""",
    re.IGNORECASE | re.DOTALL)
# password=value (sslpassword too) in a connection string inside a literal, unquoted or quoted (quotes doubled).
_CONNINFO_PASSWORD = re.compile(r"(\b\w*password\s*=\s*)(?:''(?:[^']|'''')*''|[^\s']+)", re.IGNORECASE)
# scheme://user:password@host in a connection URL; the password runs to the last @, as libpq reads it.
_URL_PASSWORD = re.compile(r"(://[^:/@\s']*:)[^\s']*(@)")
_MAYBE = re.compile(r"password|://", re.IGNORECASE)


def hide_secrets(text: str) -> str:
    r"""`text` with passwords in it replaced by ``***``.

    >>> hide_secrets("ALTER ROLE app WITH LOGIN PASSWORD 'it''s secret' VALID UNTIL 'infinity'")
    "ALTER ROLE app WITH LOGIN PASSWORD '***' VALID UNTIL 'infinity'"
    >>> hide_secrets("CREATE SUBSCRIPTION s CONNECTION 'host=db password=hunter2 dbname=app' PUBLICATION p")
    "CREATE SUBSCRIPTION s CONNECTION 'host=db password=*** dbname=app' PUBLICATION p"
    >>> hide_secrets("CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'app', password $$x$$)")
    "CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'app', password '***')"
    >>> hide_secrets("SELECT dblink_connect('postgresql://app:hunter2@db/app')")
    "SELECT dblink_connect('postgresql://app:***@db/app')"
    >>> print(hide_secrets(r"ALTER ROLE r PASSWORD'a'; ALTER ROLE r PASSWORD /* x */ E'b\'c'"))
    ALTER ROLE r PASSWORD'***'; ALTER ROLE r PASSWORD /* x */ '***'
    >>> print(hide_secrets("OPTIONS (\"password\" 'p') CONNECTION 'sslpassword=s' 'postgresql://u:p@ss@h/d'"))
    OPTIONS ("password" '***') CONNECTION 'sslpassword=***' 'postgresql://u:***@h/d'
    """
    if not _MAYBE.search(text):
        return text
    text = _PASSWORD_LITERAL.sub(lambda m: f"{m.group(1)}'{HIDDEN}'", text)
    text = _CONNINFO_PASSWORD.sub(lambda m: f"{m.group(1)}{HIDDEN}", text)
    return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{HIDDEN}{m.group(2)}", text)
