"""``pgdiag scan``: collect, check and report on one database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from pgdiag.cli.output import HtmlOption, JsonOption, check_destinations, emit
from pgdiag.cli.options import ConnectTimeout, DsnOption, LockTimeout, Severity, StatementTimeout, limits


def scan(
    dsn: DsnOption = None,
    json_out: JsonOption = None,
    html_out: HtmlOption = None,
    fail_on: Annotated[Optional[Severity], typer.Option(
        "--fail-on", help="Exit 1 when any finding is at or above this severity.", case_sensitive=False)] = None,
    config_file: Annotated[Optional[Path], typer.Option("--config", help="pgdiag.toml with thresholds.",
                                                        metavar="FILE")] = None,
    all_databases: Annotated[bool, typer.Option(
        "--all-databases", help="Analyse pg_stat_statements of every database, not only the connected one.")] = False,
    statement_timeout: StatementTimeout = 30.0,
    lock_timeout: LockTimeout = 1.0,
    connect_timeout: ConnectTimeout = 10,
) -> None:
    """Scan a database and report ranked findings with evidence and a fix."""
    from pgdiag import config as config_module
    from pgdiag.collect import CollectOptions
    from pgdiag.dsn import resolve
    from pgdiag.findings import at_or_above
    from pgdiag.report import Report
    from pgdiag.scan import scan as run_scan

    config = config_module.load(config_file)
    check_destinations(json_out, html_out)
    target = resolve(dsn)
    result = run_scan(target, limits=limits(statement_timeout, lock_timeout, connect_timeout),
                      options=CollectOptions(all_databases=all_databases), config=config)
    report = Report(result.snapshot, result.checks.findings, result.checks.not_run)
    emit(report, json_out, html_out)
    if fail_on and any(at_or_above(f.severity, fail_on.value) for f in report.findings):
        raise typer.Exit(1)
