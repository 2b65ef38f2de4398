"""HTML output of ``pgdiag explain``: one self-contained page (no script, no remote resource).

The plan is nested ``<details>`` elements, so it collapses and expands without JavaScript. Every
text from the plan and the statement is data and is autoescaped by the shared Jinja environment.
"""

from __future__ import annotations

import json

from pgdiag.explain.plan import build_plan
from pgdiag.explain.profile import Profile
from pgdiag.render.explain_view import badges_by_node, node_details, rows_text
from pgdiag.render.html import environment


def render_explain_html(profile: Profile) -> str:
    """The profile as one HTML page: statement, insights, fix with its hypothetical plan, plan tree, raw plan."""
    doc = profile.document()
    fixes = [(fix, build_plan({"Plan": fix.plan_after}).root if fix.plan_after is not None else None)
             for fix in profile.fixes]
    return environment().get_template("explain.html").render(
        doc=doc, plan=profile.plan, root=profile.plan.root, badges=badges_by_node(profile.findings),
        details=node_details, rows_text=rows_text, fixes=fixes, raw_json=json.dumps(doc["plan"], indent=2),
    )
