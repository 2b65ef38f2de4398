"""``pgdiag history`` output: the stored snapshots as a JSON document or a terminal table."""

from __future__ import annotations

from typing import Any, Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pgdiag.core.findings import SEVERITIES
from pgdiag.history.compare import iso_utc
from pgdiag.history.store import SnapshotInfo
from pgdiag.render.console import console as safe_console


def history_document(store: str, snapshots: Sequence[SnapshotInfo]) -> dict[str, Any]:
    """``{"store", "snapshots": [...]}``, oldest first; the store is named without any password."""
    return {"store": store, "snapshots": [{
        "id": s.id, "target": s.target, "target_key": s.target_key, "dsn": s.dsn, "database": s.database,
        "server_version": s.server_version, "collected_at": iso_utc(s.collected_at),
        "stored_at": iso_utc(s.stored_at), "pgdiag_version": s.pgdiag_version, "findings": s.severity_counts,
    } for s in snapshots]}


def print_history(store: str, snapshots: Sequence[SnapshotInfo], console: Console | None = None) -> None:
    """A table of the stored snapshots, oldest first."""
    console = console or safe_console()
    if not snapshots:
        console.print(f"No snapshots in store {escape(store)}.")
        return
    table = Table(title=f"pgdiag history: {escape(store)}", title_justify="left", header_style="bold")
    for column in ("id", "target", "collected (UTC)", "PostgreSQL", *SEVERITIES):
        table.add_column(column, overflow="fold")
    for s in snapshots:
        table.add_row(str(s.id), escape(s.target), f"{s.collected_at:%Y-%m-%d %H:%M:%S}", escape(s.server_version),
                      *(str(s.severity_counts[severity]) for severity in SEVERITIES))
    console.print(table)
