"""``pgdiag demo``: scan a planted multi-tenant database on an embedded PostgreSQL, no setup needed."""

from __future__ import annotations

import sys

from pgdiag.cli.output import HtmlOption, JsonOption, check_destinations, emit

DEFAULT_HTML = "pgdiag-demo.html"


def demo(html_out: HtmlOption = DEFAULT_HTML, json_out: JsonOption = None) -> None:
    """Start an embedded PostgreSQL with a demo SaaS database and workload, scan it, and write the report."""
    from pgdiag.core.report import Report
    from pgdiag.demo import run_demo

    check_destinations(json_out, html_out)
    result = run_demo(on_progress=_progress)
    emit(Report(result.snapshot, result.checks.findings, result.checks.not_run, tenancy=result.checks.tenancy),
         json_out, html_out)
    if html_out:
        _progress(f"HTML report written to {html_out}")


def _progress(message: str) -> None:
    """Progress goes to stderr, so stdout stays clean for ``--json -``."""
    sys.stderr.write(f"pgdiag demo: {message}\n")
