"""Where the time went: a node's own share, planning longer than execution, JIT compilation."""

from __future__ import annotations

from typing import Any, ClassVar, Iterator

from pgdiag.core.findings import Finding
from pgdiag.explain.insights.base import Insight, InsightContext, Threshold, level

# What a node's own time is spent on, in words a developer knows.
_WORK = {
    "Seq Scan": "reading every row of the table",
    "Index Scan": "fetching rows through the index one by one",
    "Index Only Scan": "reading the index",
    "Bitmap Heap Scan": "fetching the table pages the index pointed at",
    "Bitmap Index Scan": "searching the index",
    "Sort": "sorting its input",
    "Incremental Sort": "sorting its input group by group",
    "Hash": "building a hash table of its input",
    "Hash Join": "probing the hash table with every outer row",
    "Merge Join": "merging two sorted inputs",
    "Nested Loop": "pairing every outer row with its inner rows",
    "Aggregate": "aggregating rows",
    "Gather": "collecting rows from parallel workers",
    "Gather Merge": "merging sorted rows from parallel workers",
    "ModifyTable": "writing rows (and their index entries)",
    "CTE Scan": "reading the CTE's rows",
    "Materialize": "keeping rows in memory for re-reads",
}
# What usually makes that work smaller.
_LEVER = {
    "Seq Scan": "If the statement needs only some of the rows, an index on the filtered columns avoids reading the "
                "rest.",
    "Sort": "An index that returns the rows in this order removes the sort; if it spills, more work_mem helps.",
    "Incremental Sort": "An index that returns the rows in this order removes the sort.",
    "Hash Join": "Join fewer rows: filter the inputs earlier, and check their row estimates.",
    "Hash": "Hash fewer rows: filter the input earlier, and check its row estimate.",
    "Nested Loop": "Check the outer side's row estimate: for many outer rows a hash or merge join is cheaper.",
    "Merge Join": "Join fewer rows: filter the inputs earlier, and check their row estimates.",
    "Aggregate": "Aggregate fewer rows: filter earlier, or keep a pre-aggregated table for hot reports.",
    "ModifyTable": "Write fewer rows per statement (in batches), and drop indexes nothing uses: each one is written "
                   "too.",
    "Gather": "This is starting parallel workers and passing rows between them; for short queries it can cost more "
              "than it saves.",
    "Gather Merge": "This is starting parallel workers and merging their rows; for short queries it can cost more "
                    "than it saves.",
}


class NodeTime(Insight):
    """A node whose own time (children excluded) is a large share of the execution time.

    Fires for every node whose own time exceeds ``low_percent`` % of the execution time and ``min_ms``;
    severity low above ``low_percent`` %, medium above ``medium_percent`` %, high above ``high_percent`` %
    (by default pev2's 10, 40, 90). This is where the
    statement spends its time; the node's other findings usually say why.
    """

    id: ClassVar[str] = "plan_node_time"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "low_percent": Threshold(10.0, "low above this % of the execution time spent in the node itself"),
        "medium_percent": Threshold(40.0, "medium above this % of the execution time spent in the node itself"),
        "high_percent": Threshold(90.0, "high above this % of the execution time spent in the node itself"),
        "min_ms": Threshold(1.0, "least own time of a node, in ms, worth reporting"),
    }

    def run(self, context: InsightContext, settings: Any) -> Iterator[Finding]:
        """This insight's findings in `context`'s plan."""
        levels = (settings.low_percent, settings.medium_percent, settings.high_percent)
        min_ms = settings.min_ms
        for node in context.plan.nodes:
            if node.share is None or node.own_ms is None or node.own_ms < min_ms:
                continue
            severity = level(node.share, levels)
            if severity is None:
                continue
            work = _WORK.get(node.node_type, "its own work")
            yield context.finding(
                "plan_node_time", severity, node,
                title=f"{node.label()} takes {node.share:.0f} % of the execution time ({node.own_ms:,.1f} ms of its own)",
                why=f"This node spends {node.own_ms:,.1f} ms {work}, children not counted, so it is where the "
                    "statement's time goes.",
                action=_LEVER.get(node.node_type, "Start here: this node's other findings, if any, say why it is slow."))


class PlanningTime(Insight):
    """Planning took longer than executing.

    Fires when planning time exceeds execution time and ``min_ms``; low, medium from
    ``medium_ms``. Typical causes: many joined tables or partitions, many indexes, big IN lists.
    Prepared statements (most drivers and ORMs can use them) plan once and reuse the plan.
    """

    id: ClassVar[str] = "plan_planning_time"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "min_ms": Threshold(1.0, "least planning time, in ms, worth reporting"),
        "medium_ms": Threshold(100.0, "planning time, in ms, from which the finding is medium"),
    }

    def run(self, context: InsightContext, settings: Any) -> Iterator[Finding]:
        """This insight's findings in `context`'s plan."""
        min_ms = settings.min_ms
        medium_ms = settings.medium_ms
        plan = context.plan
        planning, execution = plan.planning_ms, plan.execution_ms
        if planning is None or execution is None or planning <= execution or planning < min_ms:
            return
        yield context.finding(
            "plan_planning_time", "medium" if planning >= medium_ms else "low", None,
            title=f"Planning takes longer than execution ({planning:,.1f} ms vs {execution:,.1f} ms)",
            why="PostgreSQL spends more time choosing the plan than running it, on every call.",
            action="Use a prepared statement so the plan is reused, or reduce what the planner must weigh "
                   "(joined tables, partitions without pruning, long IN lists).",
            evidence={"planning_ms": planning, "execution_ms": execution})


class Jit(Insight):
    """JIT compilation takes a large share of the execution time.

    Fires when JIT's total time exceeds ``min_ms`` and ``low_percent`` % of the execution time; low above
    ``low_percent`` %, medium above ``medium_percent`` %, high above ``high_percent`` %. The planner switches JIT on by cost estimate
    (``jit_above_cost``), so an over-estimated plan can compile more than it saves.
    """

    id: ClassVar[str] = "plan_jit"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "low_percent": Threshold(10.0, "low above this % of the execution time spent compiling"),
        "medium_percent": Threshold(40.0, "medium above this % of the execution time spent compiling"),
        "high_percent": Threshold(90.0, "high above this % of the execution time spent compiling"),
        "min_ms": Threshold(1.0, "least JIT time, in ms, worth reporting"),
    }

    def run(self, context: InsightContext, settings: Any) -> Iterator[Finding]:
        """This insight's findings in `context`'s plan."""
        levels = (settings.low_percent, settings.medium_percent, settings.high_percent)
        min_ms = settings.min_ms
        plan = context.plan
        jit_ms, execution = plan.jit_ms, plan.execution_ms
        if jit_ms is None or not execution or jit_ms < min_ms:
            return
        share = 100.0 * jit_ms / execution
        severity = level(share, levels)
        if severity is None:
            return
        yield context.finding(
            "plan_jit", severity, None,
            title=f"JIT compilation takes {share:.0f} % of the execution time ({jit_ms:,.1f} ms)",
            why="PostgreSQL compiled parts of this query to machine code and the compiling cost more than it saved.",
            action="Raise jit_above_cost (or SET jit = off for this workload) so short queries are not compiled.",
            evidence={"jit_ms": jit_ms, "execution_ms": execution, "share_percent": round(share, 1),
                      "functions": (plan.document.get("JIT") or {}).get("Functions")})