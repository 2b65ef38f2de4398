"""Rows: where the planner's row estimate goes wrong, what that costs a nested loop, and filters that
throw most rows away."""

from __future__ import annotations

from typing import Any, ClassVar, Iterator

from pgdiag.core.findings import Finding
from pgdiag.core.sqltext import qualified
from pgdiag.explain.fix import removed_share
from pgdiag.explain.insights.base import Insight, InsightContext, Threshold, level, pretty_rows
from pgdiag.explain.plan import PlanNode

INHERITED = 2.0  # a child off by at least 1/INHERITED of the node's factor, the same way, explains it


class Misestimate(Insight):
    """The planner's row estimate is off by a large factor where the error starts.

    The factor is max(actual/estimated, estimated/actual) per loop; severity low above ``low_factor``,
    medium above ``medium_factor``, high above ``high_factor`` (by default pev2's 10, 100, 1000). Only the node where the error appears is reported:
    a node whose child is already off the same way by at least half its factor inherits the error.
    Over-estimates below a Limit are skipped (the Limit stopped reading early). Wrong estimates
    make the planner pick the wrong join method, join order or memory size.
    """

    id: ClassVar[str] = "plan_misestimate"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "low_factor": Threshold(10.0, "low above this factor between estimated and actual rows per loop"),
        "medium_factor": Threshold(100.0, "medium above this factor between estimated and actual rows per loop"),
        "high_factor": Threshold(1000.0, "high above this factor between estimated and actual rows per loop"),
    }

    def run(self, context: InsightContext, settings: Any) -> Iterator[Finding]:
        """This insight's findings in `context`'s plan."""
        levels = (settings.low_factor, settings.medium_factor, settings.high_factor)
        for node in context.plan.nodes:
            estimate = node.estimate()
            if estimate is None:
                continue
            factor, direction = estimate
            severity = level(factor, levels)
            if severity is None or _inherited(node, factor, direction) or \
                    (direction == "over" and any(a.node_type == "Limit" for a in node.ancestors())):
                continue
            yield context.finding(
                "plan_misestimate", severity, node,
                title=f"{node.label()}: {pretty_rows(node.rows_actual or 0)} rows, estimated "
                      f"{pretty_rows(node.rows_planned)} ({factor:,.0f}× {direction}-estimated)",
                why=f"The planner expected {pretty_rows(node.rows_planned)} rows per loop here and got "
                    f"{pretty_rows(node.rows_actual or 0)}, so every choice above this node rests on a wrong count.",
                action=_misestimate_action(node),
                evidence={"rows_estimated": node.rows_planned, "rows_actual": node.rows_actual,
                          "loops": node.loops, "factor": round(factor, 1), "direction": direction},
                fix_sql=_analyze_sql(context, node))


class NestedLoop(Insight):
    """A nested loop repeats its inner side many times because its outer side was under-estimated.

    Fires when the inner side ran at least ``min_loops`` times and the outer side returned at least
    ``factor`` times more rows than estimated; medium. The planner chose a nested loop for the few
    rows it expected; a hash or merge join usually serves the real count better.
    """

    id: ClassVar[str] = "plan_nested_loop"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "min_loops": Threshold(1000, "fewest inner-side loops worth reporting"),
        "factor": Threshold(10.0, "how many times more outer rows than estimated make the loop suspect"),
    }

    def run(self, context: InsightContext, settings: Any) -> Iterator[Finding]:
        """This insight's findings in `context`'s plan."""
        min_loops = settings.min_loops
        factor = settings.factor
        for node in context.plan.nodes:
            if node.node_type != "Nested Loop" or len(node.children) < 2:
                continue
            outer, inner = node.children[0], node.children[1]
            estimate = outer.estimate()
            if estimate is None or inner.loops < min_loops:
                continue
            off, direction = estimate
            if direction != "under" or off < factor:
                continue
            yield context.finding(
                "plan_nested_loop", "medium", node,
                title=f"Nested Loop runs {inner.label()} {inner.loops:,} times after a {off:,.0f}× under-estimate",
                why=f"The planner expected {pretty_rows(outer.rows_planned)} outer rows and chose to look up the inner "
                    f"side once per row, but {pretty_rows(outer.rows_total)} came.",
                action="Fix the outer side's estimate (ANALYZE, extended statistics on correlated columns); "
                       "a hash or merge join would then be chosen where it is cheaper.",
                evidence={"outer_node": outer.id, "inner_node": inner.id, "inner_loops": inner.loops,
                          "outer_rows_estimated": outer.rows_planned, "outer_rows_actual": outer.rows_total,
                          "factor": round(off, 1)})


class RowsRemoved(Insight):
    """A scan's filter throws away most of the rows it reads.

    Fires when ``Rows Removed by Filter`` is more than ``low_percent`` % of the rows a node read (at
    least ``min_rows`` over all loops); low above ``low_percent`` %, medium above ``medium_percent`` %.
    On a Seq Scan an index on the
    filtered columns reads only the matching rows; on an index scan, a better index also covers
    the filtered columns. Where pgdiag proved such an index, the finding names it.
    """

    id: ClassVar[str] = "plan_rows_removed"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "low_percent": Threshold(50.0, "low above this % of the rows read that the filter removed"),
        "medium_percent": Threshold(90.0, "medium above this % of the rows read that the filter removed"),
        "min_rows": Threshold(1000, "fewest rows read (over all loops) worth reporting"),
    }

    def run(self, context: InsightContext, settings: Any) -> Iterator[Finding]:
        """This insight's findings in `context`'s plan."""
        levels = (settings.low_percent, settings.medium_percent)
        min_rows = settings.min_rows
        for node in context.plan.nodes:
            share = removed_share(node)
            if share is None or share[1] < min_rows:
                continue
            percent = 100.0 * share[0]
            severity = level(percent, levels)
            if severity is None:
                continue
            fix = context.fixes.get(node.id)
            kept = share[1] - float(node.raw.get("Rows Removed by Filter", 0)) * node.loops
            if fix is not None:
                action = f"The index on ({fix.columns_text}) proposed below finds the matching rows directly."
            elif node.node_type == "Seq Scan":
                action = "An index on the filtered columns (equality columns first) would read only the matching rows."
            else:
                action = "An index that also covers the filtered columns would stop reading rows only to discard them."
            yield context.finding(
                "plan_rows_removed", severity, node,
                title=f"{node.label()} throws away {percent:.1f} % of the {pretty_rows(share[1])} rows it reads",
                why=f"The filter {node.raw.get('Filter', '')} keeps {pretty_rows(kept)} of {pretty_rows(share[1])} rows: "
                    "the rest were read only to be discarded.",
                action=action,
                evidence={"rows_read": share[1], "rows_removed": share[1] - kept, "removed_percent": round(percent, 1),
                          "filter": node.raw.get("Filter")},
                fix_sql=fix.fix_sql if fix is not None else None)

def _inherited(node: PlanNode, factor: float, direction: str) -> bool:
    """Whether a child is already off the same way by nearly as much (the error started below)."""
    for child in node.children:
        estimate = child.estimate()
        if estimate is not None and estimate[1] == direction and estimate[0] * INHERITED >= factor:
            return True
    return False


def _misestimate_action(node: PlanNode) -> str:
    """What to do about an estimate, depending on whether the node reads a table itself."""
    if node.relation:
        return (f"Run ANALYZE on {node.relation} if its statistics are stale; if the filtered columns are "
                "correlated, CREATE STATISTICS on them.")
    return ("Run ANALYZE on the tables below it if their statistics are stale; for a join, check the join "
            "columns' statistics (n_distinct, most common values) and consider CREATE STATISTICS.")


def _analyze_sql(context: InsightContext, node: PlanNode) -> str | None:
    """``ANALYZE table;`` for every table read at or below the node, None when there is none."""
    tables = dict.fromkeys(n.relation for n in node.walk() if n.relation)
    if not tables:
        return None
    return " ".join(f"ANALYZE {qualified(context.schemas.get(table), table)};" for table in tables)
