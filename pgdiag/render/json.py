"""JSON output: the report document exactly as DESIGN §4 specifies it."""

from __future__ import annotations

import json

from pgdiag.core.report import Report


def render_json(report: Report) -> str:
    """The report as indented JSON text."""
    return json.dumps(report.document(), indent=2, default=str) + "\n"
