"""What a database error means for the user, in one line: the server's message and, where known, the fix."""

from __future__ import annotations

from pgdiag.core.lazy import psycopg
from pgdiag.core.lazy import psycopg_errors as errors


def describe_error(exc: psycopg.Error) -> str:
    """One line saying why a collector failed and, where known, what to do."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if isinstance(exc, errors.QueryCanceled):
        return f"{first}: the statement timeout was hit; raise it with --statement-timeout"
    if isinstance(exc, errors.LockNotAvailable):
        return f"{first}: a lock was held by another session; retry, or raise --lock-timeout"
    if isinstance(exc, errors.InsufficientPrivilege):
        return f"{first}: grant pg_monitor (or pg_read_all_stats) to the scanning role"
    return first
