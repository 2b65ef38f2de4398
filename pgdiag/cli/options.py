"""Options shared by several commands, declared once."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

DsnOption = Annotated[Optional[str], typer.Option(
    "--dsn", "-d", help="Connection URL or key=value string; default: PGDIAG_DSN, DATABASE_URL, then libpq's PG* variables.",
    show_default=False)]
StatementTimeout = Annotated[float, typer.Option(
    "--statement-timeout", min=0.001, help="Seconds any one pgdiag statement may run.")]
LockTimeout = Annotated[float, typer.Option("--lock-timeout", min=0.001, help="Seconds pgdiag waits for a lock.")]
ConnectTimeout = Annotated[int, typer.Option("--connect-timeout", min=1, help="Seconds to wait for the server.")]
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

    return SessionLimits(statement_timeout_ms=int(statement_timeout * 1000), lock_timeout_ms=int(lock_timeout * 1000),
                         connect_timeout_s=connect_timeout)
