"""Options shared by several commands, declared once."""

from __future__ import annotations

import math
from enum import Enum
from typing import Annotated, Optional

import typer

DsnOption = Annotated[Optional[str], typer.Option(
    "--dsn", "-d", help="Connection URL or key=value string; default: PGDIAG_DSN, DATABASE_URL, then libpq's PG* variables.",
    show_default=False)]
MAX_SECONDS = 86_400  # a day: a timeout beyond that is a typo, and inf/1e308 overflow the server's milliseconds


def _seconds(value: float) -> float:
    """A timeout in seconds: a finite number above 0 and at most a day (``inf``, ``nan`` and ``1e308`` are
    refused here, before any arithmetic on them)."""
    if not math.isfinite(value) or not 0 < value <= MAX_SECONDS:
        raise typer.BadParameter(f"{value:g} is not a number of seconds above 0 and at most {MAX_SECONDS:,} (a day)")
    return value


StatementTimeout = Annotated[float, typer.Option(
    "--statement-timeout", callback=_seconds, help="Seconds any one pgdiag statement may run (at most a day).")]
LockTimeout = Annotated[float, typer.Option("--lock-timeout", callback=_seconds,
                                            help="Seconds pgdiag waits for a lock (at most a day).")]
ConnectTimeout = Annotated[int, typer.Option("--connect-timeout", min=1, max=MAX_SECONDS,
                                             help="Seconds to wait for the server (at most a day).")]
TenantColumnOption = Annotated[Optional[str], typer.Option(
    "--tenant-column", help="The column that pins a row to one tenant; default: tenant_column of the tenancy section "
    "of pgdiag.toml, else detected (organizationId, tenant_id, …).", metavar="COLUMN", show_default=False)]


class Severity(str, Enum):
    """Severities accepted by --fail-on."""

    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"
    info = "info"


def limits(statement_timeout: float, lock_timeout: float, connect_timeout: int):
    """SessionLimits from command-line seconds."""
    from pgdiag.db.session import SessionLimits

    return SessionLimits(statement_timeout_ms=max(1, round(statement_timeout * 1000)),
                         lock_timeout_ms=max(1, round(lock_timeout * 1000)),
                         connect_timeout_s=connect_timeout)
