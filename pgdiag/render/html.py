"""HTML output: a self-contained page from report_templates/, autoescaped."""

from __future__ import annotations

from pgdiag.report import Report


def render_html(report: Report) -> str:
    """The report as one HTML page with no external resources."""
    raise NotImplementedError("HTML renderer: being written")
