"""Redaction, owned here and nowhere else: passwords out of connection strings and free text (`text`), out
of SQL statement texts (`statement`) and out of server settings (`settings`). What is hidden, and how, is
described in docs/security.md.

`statement` needs pglast; it is imported on first use, so that the command line's error path (which
redacts free text) starts without the parser (tests/test_startup.py)."""

from __future__ import annotations

from typing import Any

from pgdiag.core.redact.settings import redact_setting
from pgdiag.core.redact.text import KEYWORD_PASSWORD, QUERY_PASSWORD, SECRET_KEY, URL_PASSWORD, redact

__all__ = ["HIDDEN", "KEYWORD_PASSWORD", "QUERY_PASSWORD", "SECRET_KEY", "URL_PASSWORD", "redact",
           "redact_setting", "redact_statement", "redact_value"]
_FROM_STATEMENT = ("HIDDEN", "redact_statement", "redact_value")


def __getattr__(name: str) -> Any:
    """`redact_statement`, `redact_value` and `HIDDEN`, loaded from `statement` when first asked for."""
    if name in _FROM_STATEMENT:
        from pgdiag.core.redact import statement

        return getattr(statement, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
