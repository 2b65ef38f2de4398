"""The index of a ``scan --all`` run: every target's outcome and a link to its report (JSON, HTML, terminal)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pgdiag import __version__
from pgdiag.core.findings import SEVERITIES
from pgdiag.history.compare import iso_utc
from pgdiag.core.report import TargetRun
from pgdiag.render.console import console as safe_console


def index_document(runs: Sequence[TargetRun], report_suffix: str) -> dict[str, Any]:
    """The index as a JSON-ready document; each target's report is ``<name><report_suffix>`` beside it."""
    return {
        "tool": {"name": "pgdiag", "version": __version__},
        "generated_at": iso_utc(datetime.now(timezone.utc)),
        "exit_code": max((run.exit_code for run in runs), default=0),
        "targets": [_entry(run, report_suffix) for run in runs],
    }


def render_index(runs: Sequence[TargetRun], report_suffix: str) -> str:
    """The index as a self-contained HTML page (autoescaped; links are relative file names)."""
    from pgdiag.render.html import environment

    return environment().get_template("index.html").render(doc=index_document(runs, report_suffix),
                                                          severities=SEVERITIES)


def print_index(runs: Sequence[TargetRun], console: Console | None = None) -> None:
    """One row per target for the terminal: outcome, findings per severity, and what changed."""
    console = console or safe_console()
    table = Table(show_header=True, header_style="bold", expand=False)
    for column in ("target", "status", *SEVERITIES, "new", "resolved", "regressions"):
        table.add_column(column, overflow="fold")
    for run in runs:
        entry = _entry(run, "")
        counts = [str(entry["findings"][s]) if entry["findings"] else "—" for s in SEVERITIES]
        changes = entry["comparison"] or {}
        table.add_row(escape(run.label), "ok" if run.error is None else f"[red]failed[/red]: {escape(run.error)}",
                      *counts, *(str(changes.get(k, "—")) for k in ("new", "resolved", "regressions")))
    console.print(table)


def _entry(run: TargetRun, report_suffix: str) -> dict[str, Any]:
    """One target's line of the index."""
    report, comparison = run.report, run.report.comparison if run.report else None
    return {
        "name": run.label, "key": run.key, "status": "ok" if run.error is None else "error",
        "exit_code": run.exit_code, "error": run.error,
        "report": f"{run.label}{report_suffix}" if report is not None and report_suffix else None,
        "snapshot_id": run.snapshot_id,
        "findings": report.severity_counts() if report is not None else None,
        "comparison": {"baseline_id": comparison.baseline_id, "new": len(comparison.new),
                       "resolved": len(comparison.resolved), "regressions": len(comparison.regressions)}
        if comparison is not None else None,
    }
