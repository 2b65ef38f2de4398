"""The comparison's plan changes as the HTML report shows them: the old and the new plan tree side by side,
drawn by explain's plan view (report_templates/_plan_node.html)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar

from pgdiag.explain.plan import PlanNode, build_plan
from pgdiag.render.explain_view import node_details, rows_text


@dataclass(frozen=True)
class PlanChangeView:
    """One ``plan_changes`` entry with the root nodes of its two plans; `details` and `rows_text` are the
    functions the plan node template calls."""

    change: dict[str, Any]
    old: PlanNode
    new: PlanNode
    details: ClassVar[Callable[[PlanNode], list[tuple[str, str]]]] = staticmethod(node_details)
    rows_text: ClassVar[Callable[[PlanNode], str]] = staticmethod(rows_text)


def plan_change_views(comparison: dict[str, Any] | None) -> list[PlanChangeView]:
    """A view per plan change of the JSON contract's comparison (none without a comparison)."""
    if comparison is None:
        return []
    return [PlanChangeView(change, build_plan({"Plan": change["old_plan"]}).root,
                           build_plan({"Plan": change["new_plan"]}).root)
            for change in comparison.get("plan_changes", [])]
