"""The index that fixes the plan: the workload advisor's candidate logic on this one statement, proven by cost.

A scan is worth an index when it reads at least ``MIN_ROWS`` rows and its filter throws away more
than half of them, or when its rows feed a Sort of at least ``MIN_ROWS`` rows. The candidate for
its table comes from the statement model exactly as for ``missing_index`` (equality columns, the
tenant column leading, then one range or the ORDER BY); an existing index that already serves
it drops it. With hypopg the candidate is proven on the statement's plan with a hypothetical
index (and that plan is kept to show); without it, the cost is estimated from statistics and the
advice says it is unvalidated. Only candidates that make the statement ``MIN_FACTOR`` times
cheaper (and are used) are proposed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pgdiag.core.lazy import pandas as pd

from pgdiag.advice.access import table_accesses
from pgdiag.advice.candidates import INDEX_MAX_KEYS, Candidate, candidate_for, covered, index_leads
from pgdiag.advice.costing import StatementCost, estimate, prove
from pgdiag.advice.statistics import statistics
from pgdiag.core.findings import Finding, ObjectRef, fingerprint
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import create_index_sql, qualified
from pgdiag.explain.plan import Plan, PlanNode
from pgdiag.sql import Statement
from pgdiag.sql.planning import planning_text
from pgdiag.sql.workload import StatementRef, WorkloadStatement

if TYPE_CHECKING:  # a live session only when fixes are proven, not for the catalogue of insights
    from pgdiag.db.planner import Planner

MIN_ROWS = 1000
MIN_FACTOR = 10.0
REMOVED_SHARE = 0.5
SCAN_TYPES = ("Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan")
SORT_TYPES = ("Sort", "Incremental Sort")
INDEXABLE_KINDS = ("r", "p", "m")


@dataclass
class IndexFix:
    """A proposed index for the table one plan node scans, with the statement's cost without and with it."""

    candidate: Candidate
    node: PlanNode
    cost: StatementCost
    validated: bool
    plan_after: dict[str, Any] | None = None

    @property
    def fix_sql(self) -> str:
        """``CREATE INDEX CONCURRENTLY`` for the candidate."""
        c = self.candidate
        return create_index_sql(c.schema, c.table, c.columns, descending=c.descending)

    @property
    def columns_text(self) -> str:
        """The index's key columns as written, ``a, b DESC``."""
        return ", ".join(c + (" DESC" if d else "") for c, d in zip(self.candidate.columns, self.candidate.descending))


def scans_to_fix(plan: Plan, snapshot: Snapshot) -> list[PlanNode]:
    """The scan nodes an index could replace: filters that discard most of many rows, or big sorted inputs.

    Without ANALYZE the planner's figures stand in: a filtered Seq Scan of a table with at least
    ``MIN_ROWS`` rows, or a Sort expected to take at least ``MIN_ROWS`` rows.
    """
    found: dict[int, PlanNode] = {}
    for node in plan.nodes:
        if node.node_type in SORT_TYPES and _sorted_rows(node, plan.analyzed) >= MIN_ROWS:
            found.update((n.id, n) for n in node.walk() if n.node_type in SCAN_TYPES and n.relation)
        elif node.node_type in SCAN_TYPES and node.relation and _filters_most(node, plan.analyzed, snapshot):
            found[node.id] = node
    return [found[key] for key in sorted(found)]


def removed_share(node: PlanNode) -> tuple[float, float] | None:
    """(share of the rows read that the filter removed, rows read over all loops), None without a filter count."""
    removed = node.raw.get("Rows Removed by Filter")
    if removed is None or not node.executed:
        return None
    read = float(removed) + (node.rows_actual or 0.0)
    return (float(removed) / read if read else 0.0), read * node.loops


def candidates(statement: Statement, ref: StatementRef, scans: list[PlanNode], snapshot: Snapshot,
               tenant: str | None) -> list[tuple[Candidate, PlanNode]]:
    """The candidate index for each scanned table the statement filters or sorts, unless an index serves it."""
    tables = snapshot.frame("tables")
    indexable = set(zip(tables.loc[tables["kind"].isin(INDEXABLE_KINDS), "schema"],
                        tables.loc[tables["kind"].isin(INDEXABLE_KINDS), "table"])) if not tables.empty else set()
    leads = index_leads(snapshot)
    accesses = list(table_accesses(WorkloadStatement(ref, statement)))
    found: dict[tuple[str, str, tuple[str, ...]], tuple[Candidate, PlanNode]] = {}
    for node in scans:
        for access in accesses:
            if access.table != node.relation or (access.schema, access.table) not in indexable:
                continue
            candidate = candidate_for(access, tenant)
            if candidate is not None and not covered(candidate, leads):
                found.setdefault((candidate.schema, candidate.table, candidate.columns), (candidate, node))
    return list(found.values())


def fitting(proposed: list[tuple[Candidate, PlanNode]]) -> tuple[list[tuple[Candidate, PlanNode]], list[str]]:
    """The candidates an index can hold (PostgreSQL's and hypopg's limit is ``INDEX_MAX_KEYS`` = 32 key
    columns), and a note for each one left out."""
    kept, notes = [], []
    for candidate, node in proposed:
        if len(candidate.columns) <= INDEX_MAX_KEYS:
            kept.append((candidate, node))
        else:
            notes.append(f"no index fix for {candidate.table}: the statement filters on {len(candidate.columns)} "
                         f"columns, more than the {INDEX_MAX_KEYS} an index can hold")
    return kept, notes


def prove_fixes(proposed: list[tuple[Candidate, PlanNode]], planner: Planner, snapshot: Snapshot) -> list[IndexFix]:
    """The candidates that make the statement at least ``MIN_FACTOR`` times cheaper: proven with hypopg
    (keeping the hypothetical plan), else estimated from statistics."""
    fixes = []
    for candidate, node in proposed:
        if planner.has_hypopg:
            proof = prove(candidate, planner)
        else:
            proof = estimate(candidate, statistics(snapshot), planner)
        helped = proof.helped(MIN_FACTOR)
        if not helped:
            continue
        plan_after = _hypothetical_plan(candidate, planner) if proof.validated else None
        fixes.append(IndexFix(candidate, node, helped[0], proof.validated, plan_after))
    return fixes


def fix_finding(fix: IndexFix) -> Finding:
    """The ``missing_index`` finding for a proven fix: the index, the cost before and after, the plan with it.

    Its fingerprint is the scan's ``missing_index`` one (check and index, not the statement), so the same
    advice is recognised in both; ``query`` is null as for every explain finding (the document has it)."""
    c = fix.candidate
    table = qualified(c.schema, c.table)
    before, after = fix.cost.cost_before, fix.cost.cost_after
    if fix.validated:
        proof = (f"with a hypothetical index (hypopg) the planner's cost of this statement falls from {before:,.0f} "
                 f"to {after:,.0f} ({fix.cost.factor:,.0f}× cheaper)")
    else:
        proof = (f"estimated from table statistics, the cost falls from {before:,.0f} to {after:,.0f}; install "
                 "hypopg in this database (apt install postgresql-NN-hypopg, CREATE EXTENSION hypopg;) and pgdiag "
                 "proves it with the planner")
    obj = ObjectRef(schema=c.schema, table=c.table, columns=c.columns)
    return Finding(
        check="missing_index",
        severity="high" if fix.validated else "medium",
        title=f"Missing index on {table} ({fix.columns_text})",
        object=obj,
        evidence={"node": fix.node.id, "node_label": fix.node.label(), "validated": fix.validated,
                  "cost_before": before, "cost_after": after,
                  "factor": round(fix.cost.factor, 1) if math.isfinite(fix.cost.factor) else None,
                  "plan_after": fix.plan_after},
        recommendation=(f"{fix.node.label()} reads rows the statement then throws away or sorts; an index on "
                        f"{table} ({fix.columns_text}) finds them directly: {proof}."),
        fix_sql=fix.fix_sql,
        fingerprint=fingerprint("missing_index", obj, None),
    )


def _hypothetical_plan(candidate: Candidate, planner: Planner) -> dict[str, Any] | None:
    """The statement's plan with the candidate as a hypothetical index (the ``Plan`` member)."""
    statement = candidate.statements[0]
    planned = planning_text(statement.text, statement.n_params, statement.rows_per_call)
    with planner.hypothetical_index(candidate.schema, candidate.table, list(candidate.columns)):
        after = planner.generic_cost(planned.text, planned.n_params)
    return after.plan if after is not None else None


def _sorted_rows(node: PlanNode, analyzed: bool) -> float:
    """Rows a Sort took in: actual over all loops, else the estimate."""
    if analyzed:
        return sum(child.rows_total for child in node.children if child.relationship != "InitPlan")
    return node.rows_planned


def _filters_most(node: PlanNode, analyzed: bool, snapshot: Snapshot) -> bool:
    """Whether the scan's filter discards more than half of at least MIN_ROWS rows (estimated: a filtered
    Seq Scan of a table of at least MIN_ROWS rows)."""
    if analyzed:
        share = removed_share(node)
        return share is not None and share[0] > REMOVED_SHARE and share[1] >= MIN_ROWS
    return node.node_type == "Seq Scan" and "Filter" in node.raw and _table_rows(snapshot, node.relation) >= MIN_ROWS


def _table_rows(snapshot: Snapshot, table: str | None) -> float:
    """The planner's row count of `table` (the largest if several schemas have one)."""
    tables = snapshot.frame("tables")
    if tables.empty or table is None:
        return 0.0
    rows = tables.loc[tables["table"] == table, "reltuples"]
    return float(rows.max()) if not rows.empty and not pd.isna(rows.max()) else 0.0
