"""Redaction, owned here and nowhere else: passwords out of connection strings and free text (`text`), out
of SQL statement texts (`statement`) and out of server settings (`settings`). What is hidden, and how, is
described in docs/security.md."""

from pgdiag.core.redact.settings import redact_setting
from pgdiag.core.redact.statement import HIDDEN, redact_statement, redact_value
from pgdiag.core.redact.text import KEYWORD_PASSWORD, QUERY_PASSWORD, SECRET_KEY, URL_PASSWORD, redact

__all__ = ["HIDDEN", "KEYWORD_PASSWORD", "QUERY_PASSWORD", "SECRET_KEY", "URL_PASSWORD", "redact",
           "redact_setting", "redact_statement", "redact_value"]
