"""``pgdiag doctor``: every prerequisite of a full scan, with ok / missing and the exact fix."""

from __future__ import annotations

import typer

from pgdiag.cli.options import (
    ConnectTimeout,
    DsnOption,
    LockTimeout,
    StatementTimeout,
    limits,
)


def doctor(
    dsn: DsnOption = None,
    statement_timeout: StatementTimeout = 30.0,
    lock_timeout: LockTimeout = 1.0,
    connect_timeout: ConnectTimeout = 10,
) -> None:
    """Check extensions, privileges and settings pgdiag needs; print the fix for each one missing."""
    from pgdiag.render.console import console as safe_console
    from rich.markup import escape

    from pgdiag.collect import collect
    from pgdiag.db import queries
    from pgdiag.db.dsn import resolve
    from pgdiag.db.session import connect
    from pgdiag.doctor import diagnose

    target = resolve(dsn)
    with connect(target, limits(statement_timeout, lock_timeout, connect_timeout)) as conn:
        snapshot = collect(conn, target.display, only=("server", "settings", "extensions", "statements_info",
                                                       "statements", "columns"))
        unreadable = [(schema, table) for schema, table, _ in
                      conn.execute(queries.get("unreadable_tables", conn.info.server_version)).fetchall()]
    console = safe_console()
    console.print(f"pgdiag doctor for {escape(target.display)} (PostgreSQL {snapshot.target['server_version']})")
    items = diagnose(snapshot, unreadable)
    for item in items:
        mark = {"ok": "[green]ok[/green]     ", "missing": "[red]missing[/red]", "optional": "[yellow]optional[/yellow]"}
        console.print(f"  {mark[item.state]} {escape(item.name)}: {escape(item.detail)}")
        if item.state != "ok" and item.fix:
            console.print(f"           fix: [bold]{escape(item.fix)}[/bold]")
    if any(item.state == "missing" for item in items):
        raise typer.Exit(1)
