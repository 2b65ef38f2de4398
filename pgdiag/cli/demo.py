"""``pgdiag demo``: scan a planted multi-tenant database on an embedded PostgreSQL, no setup needed."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Annotated

import typer

from pgdiag.cli.output import HtmlOption, JsonOption, check_destinations, emit

if TYPE_CHECKING:
    from pgdiag.scan import ScanResult

DEFAULT_HTML = "pgdiag-demo.html"


def demo(html_out: HtmlOption = DEFAULT_HTML, json_out: JsonOption = None,
         keep: Annotated[bool, typer.Option(
             "--keep", help="Keep the demo server running after the report, print its DSN and the next commands "
             "to try, and stop it on Ctrl-C.")] = False) -> None:
    """Start an embedded PostgreSQL with a demo SaaS database and workload, scan it, and write the report.

    As root, PostgreSQL runs as the system user embedded_postgres (created on the first run with useradd)."""
    from pgdiag.demo import run_demo

    check_destinations(json_out, html_out)

    if not keep:  # the server stops first, then the report is written
        _report(run_demo(on_progress=_progress), json_out, html_out)
        return

    def report_and_serve(result: ScanResult, dsn: str) -> None:
        _report(result, json_out, html_out)
        _keep_serving(result, dsn)

    run_demo(on_progress=_progress, while_running=report_and_serve)


def _report(result: ScanResult, json_out: str | None, html_out: str | None) -> None:
    """The demo's report, written where asked and shown in the terminal."""
    from pgdiag.core.report import Report

    emit(Report(result.snapshot, result.checks.findings, result.checks.not_run, tenancy=result.checks.tenancy,
                checks_ran=tuple(result.checks.ran), partial=dict(result.checks.partial)), json_out, html_out)
    if html_out:
        _progress(f"HTML report written to {html_out}")


def next_commands(result: ScanResult, dsn: str) -> list[str]:
    """The commands to try on the kept demo server: a scan, the plan of the slowest statement, psql."""
    slow = next((f for f in result.checks.findings if f.check == "slow_query" and f.query and f.query.queryid), None)
    commands = [f"pgdiag scan -d '{dsn}'"]
    if slow is not None:
        commands.append(f"pgdiag explain -d '{dsn}' --queryid {slow.query.queryid}")
    return commands + [f"psql '{dsn}'"]


def _keep_serving(result: ScanResult, dsn: str) -> None:
    """Say how to reach the demo server and wait for Ctrl-C; the server stops when this returns."""
    lines = [f"the demo server keeps running: {dsn}", "try:", *(f"  {c}" for c in next_commands(result, dsn)),
             "press Ctrl-C to stop it"]
    for line in lines:
        _progress(line)
    wait_for_interrupt()


def wait_for_interrupt() -> None:
    """Block until the user presses Ctrl-C (SIGINT)."""
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        _progress("stopping the demo server")


def _progress(message: str) -> None:
    """Progress goes to stderr, so stdout stays clean for ``--json -``."""
    sys.stderr.write(f"pgdiag demo: {message}\n")
