"""The generic plans a stored scan keeps (issue 20): the statements that matter most, planned without running.

With ``--store`` a scan plans its top statements by total time (``[compare] plan_statements``, 50 by
default) and the statements of its critical and high findings on the what-if planner's read-only
session (``EXPLAIN (GENERIC_PLAN)`` from PostgreSQL 16, ``PREPARE`` under ``force_generic_plan``
before), each bounded by the statement timeout. A statement that cannot be planned is skipped and
counted in the ``plans`` collector's note; the scan goes on.

Each plan gets a fingerprint of its shape: node types (with join type and aggregate strategy),
relations, indexes and the order of the tree's children (join order), never costs or row
estimates, so the same plan on a bigger table keeps its fingerprint and a switch from an index scan
to a sequential scan changes it.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any, Sequence

from pgdiag.core.snapshot import CollectorStatus, Snapshot
from pgdiag.db.planner import Planner, walk
from pgdiag.sql.planning import planning_text
from pgdiag.sql.workload import StatementRef, workload

COLLECTOR = "plans"
# The keys of a plan node that make its shape; everything else (costs, rows, widths, conditions) is left out.
_SHAPE_KEYS = ("Node Type", "Join Type", "Strategy", "Schema", "Relation Name", "Index Name", "CTE Name",
               "Function Name", "Parent Relationship")


@dataclass(frozen=True)
class StatementPlan:
    """One statement's generic plan in a snapshot: the plan tree (EXPLAIN's ``Plan`` member), its estimated
    total cost and its shape's fingerprint."""

    queryid: str
    fingerprint: str
    total_cost: float
    plan: dict[str, Any]

    def indexes(self) -> set[str]:
        """Every index the plan reads."""
        return plan_indexes(self.plan)

    def relations(self) -> set[str]:
        """Every table (or other relation) the plan reads."""
        return {str(node["Relation Name"]) for node in walk(self.plan) if node.get("Relation Name")}


def plan_shape(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan tree reduced to what the fingerprint covers, children in order.

    >>> plan_shape({"Node Type": "Seq Scan", "Relation Name": "t", "Total Cost": 9.5, "Plan Rows": 3})
    {'Node Type': 'Seq Scan', 'Relation Name': 't'}
    """
    shape = {key: plan[key] for key in _SHAPE_KEYS if plan.get(key) is not None}
    children = [plan_shape(child) for child in plan.get("Plans", [])]
    if children:
        shape["Plans"] = children
    return shape


def plan_fingerprint(plan: dict[str, Any]) -> str:
    """16 hex digits naming the plan's shape (`plan_shape`): equal for plans that differ only in estimates.

    >>> a = {"Node Type": "Index Scan", "Index Name": "t_a", "Relation Name": "t", "Total Cost": 8.3}
    >>> plan_fingerprint(a) == plan_fingerprint({**a, "Total Cost": 12.0, "Plan Rows": 40})
    True
    >>> plan_fingerprint(a) == plan_fingerprint({"Node Type": "Seq Scan", "Relation Name": "t"})
    False
    """
    canonical = json.dumps(plan_shape(plan), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def plan_indexes(plan: dict[str, Any]) -> set[str]:
    """Every index a plan tree reads."""
    return {str(node["Index Name"]) for node in walk(plan) if node.get("Index Name")}


def statements_to_plan(snapshot: Snapshot, limit: int, also: Sequence[str] = ()) -> list[StatementRef]:
    """The connected database's `limit` statements with the most total time, then those of the queryids
    in `also` (the statements of the scan's serious findings) that are not among them already."""
    analysed = [s.ref for s in workload(snapshot).statements if s.ref.queryid is not None]
    chosen = analysed[:limit]
    wanted = set(also) - {ref.queryid for ref in chosen}
    for ref in analysed[limit:]:
        if ref.queryid in wanted:
            chosen.append(ref)
            wanted.discard(ref.queryid)
    return chosen


def capture_plans(planner: Planner, statements: Sequence[StatementRef]) -> tuple[list[StatementPlan],
                                                                                  CollectorStatus]:
    """The generic plan of each statement (one per queryid) and the ``plans`` collector's status, which says
    how many could not be planned (an error or the statement timeout): those are skipped, never fatal."""
    started = time.monotonic()
    plans: list[StatementPlan] = []
    failed = 0
    seen: set[str] = set()
    for ref in statements:
        if ref.queryid is None or ref.queryid in seen:
            continue
        seen.add(ref.queryid)
        planned = planning_text(ref.text, ref.n_params, ref.rows_per_call)
        cost = planner.generic_cost(planned.text, planned.n_params)
        if cost is None:
            failed += 1
            continue
        plans.append(StatementPlan(queryid=ref.queryid, fingerprint=plan_fingerprint(cost.plan),
                                   total_cost=cost.total_cost, plan=cost.plan))
    message = (f"{failed} of {len(seen)} statements could not be planned (an error or the statement timeout): "
               "no plan stored for them" if failed else None)
    return plans, CollectorStatus(COLLECTOR, "ok", rows=len(plans), seconds=round(time.monotonic() - started, 3),
                                  message=message)


def skipped_status(reason: str) -> CollectorStatus:
    """The ``plans`` collector's status when no plan could be taken at all (no planner session)."""
    return CollectorStatus(COLLECTOR, "skipped", message=f"no plans stored: {reason}")
