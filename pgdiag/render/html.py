"""HTML output: one self-contained page from report_templates/, autoescaped (query texts are hostile input)."""

from __future__ import annotations

from functools import cache
from itertools import groupby
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pgdiag.findings import SEVERITIES
from pgdiag.report import Report
from pgdiag.resources import resource_dir

TOP_ROWS = 50


@cache
def environment() -> Environment:
    """The Jinja environment: templates from report_templates/, autoescaping always on."""
    return Environment(loader=FileSystemLoader(resource_dir("report_templates")),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_html(report: Report) -> str:
    """The report as one HTML page with no external resources."""
    doc = report.document()
    snapshot = report.snapshot
    return environment().get_template("report.html").render(
        doc=doc,
        counts=report.severity_counts(),
        grouped=_grouped(doc["findings"]),
        problems=[c for c in doc["collectors"] if c["status"] != "ok" or c["message"]],
        not_run=report.not_run,
        stats_since=_stats_since(snapshot.frame("server")),
        statements=_top(snapshot.frame("statements"), "total_exec_time"),
        tables=_top(snapshot.frame("tables"), "total_bytes"),
        indexes=_top(snapshot.frame("indexes"), "index_bytes"),
    )


def _grouped(findings: list[dict[str, Any]]) -> list[tuple[str, list[tuple[str, list[dict[str, Any]]]]]]:
    """Findings by severity (worst first), then by check, keeping the report's order inside a check."""
    ordered = sorted(findings, key=lambda f: (SEVERITIES.index(f["severity"]), f["check"]))
    return [(severity, [(check, list(items)) for check, items in groupby(group, key=lambda f: f["check"])])
            for severity, group in groupby(ordered, key=lambda f: f["severity"])]


def _top(frame: pd.DataFrame, column: str) -> list[dict[str, Any]]:
    """The largest rows of `frame` by `column`, as plain dicts (NaN shown as missing)."""
    if frame.empty or column not in frame:
        return []
    top = frame.sort_values(column, ascending=False, na_position="last").head(TOP_ROWS)
    return [{k: (None if _missing(v) else v) for k, v in row.items()} for row in top.to_dict("records")]


def _missing(value: Any) -> bool:
    return not isinstance(value, (list, tuple)) and bool(pd.isna(value))


def _stats_since(server: pd.DataFrame) -> str | None:
    """When cumulative statistics started counting, for the header."""
    if server.empty:
        return None
    row = server.iloc[0]
    if not pd.isna(row["stats_reset"]):
        return f"{row['stats_reset']:%Y-%m-%d %H:%M} UTC (last reset)"
    return f"at least {row['postmaster_start_time']:%Y-%m-%d %H:%M} UTC (server start)"
