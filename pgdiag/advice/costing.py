"""Prove a candidate index by cost: hypopg what-if plans where installed, else an estimate from statistics.

A statement is helped when its generic plan uses the hypothetical index and its total cost
drops by at least the configured factor. Without hypopg the same ratio is estimated from the
table's pages and rows and the equality columns' ``n_distinct`` — and marked unvalidated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
from psycopg import errors

from pgdiag.advice.candidates import Candidate, StatementRef
from pgdiag.db.planner import PlanCost, Planner
from pgdiag.sql.planning import planning_text

REFUSED = (errors.UndefinedObject, errors.FeatureNotSupported, errors.ProgramLimitExceeded, errors.InternalError_)
"""How hypopg says an index cannot be built: no operator class, a type it cannot index, too many columns (an
internal error in hypopg 1.3). Timeouts and lost sessions are not among them: they fail the check."""

# PostgreSQL's default planner cost constants, used by the estimate.
SEQ_PAGE_COST = 1.0
RANDOM_PAGE_COST = 4.0
CPU_TUPLE_COST = 0.01
CPU_OPERATOR_COST = 0.0025
CPU_INDEX_TUPLE_COST = 0.005


@dataclass(frozen=True)
class StatementCost:
    """One statement's estimated cost without and with the candidate index."""

    statement: StatementRef
    cost_before: float
    cost_after: float
    uses_index: bool

    @property
    def factor(self) -> float:
        """How many times cheaper the statement gets."""
        return self.cost_before / self.cost_after if self.cost_after > 0 else math.inf


@dataclass
class Proof:
    """The cost evidence for one candidate: per statement, whether it came from the planner, and why the
    planner could not cost it (`note`) when hypopg refused the index."""

    candidate: Candidate
    validated: bool
    costs: list[StatementCost] = field(default_factory=list)
    note: str | None = None

    def helped(self, min_factor: float) -> list[StatementCost]:
        """Statements the index makes at least `min_factor` times cheaper (and that would use it)."""
        return [c for c in self.costs if c.uses_index and c.factor >= min_factor]


def prove(candidate: Candidate, planner: Planner) -> Proof:
    """Cost every statement of `candidate` with and without a hypothetical index (hypopg).

    An index PostgreSQL or hypopg cannot build (a column type without a btree operator class, such as
    ``box``; more key columns than allowed) helps no statement: the proof is empty, with hypopg's reason
    as its note, and the other candidates are still costed.
    """
    proof = Proof(candidate, validated=True)
    plain = [(statement, plan_of(planner, statement)) for statement in candidate.statements]
    planned = [(statement, before) for statement, before in plain if before is not None]
    if not planned:
        return proof
    try:  # one hypothetical index for all the statements: creating it costs more than planning one
        with planner.hypothetical_index(candidate.schema, candidate.table, list(candidate.columns),
                                        candidate.descending) as name:
            after = [(statement, before, plan_of(planner, statement)) for statement, before in planned]
    except REFUSED as exc:
        return Proof(candidate, validated=True, note=f"hypopg refused the index: {exc.diag.message_primary}")
    proof.costs = [StatementCost(statement, before.total_cost, plan.total_cost, name in plan.index_names())
                   for statement, before, plan in after if plan is not None]
    return proof


def estimate(candidate: Candidate, tables: pd.DataFrame, column_stats: pd.DataFrame,
             planner: Planner | None = None) -> Proof:
    """Estimate each statement's cost with the index from table size and column statistics; unvalidated.

    With a `planner` the cost before is the statement's real generic plan, and the cost after
    replaces that plan's reading of the table with the estimated index scan; without one (a
    stored snapshot) both are estimates of reading the table alone. Where the index returns a
    statement's ORDER BY … LIMIT in order, the scan stops after the rows a call returns and the
    sort above it goes.
    """
    proof = Proof(candidate, validated=False)
    table = tables[(tables["schema"] == candidate.schema) & (tables["table"] == candidate.table)]
    if table.empty:
        return proof
    rows = float(max(table["reltuples"].iloc[0], table["n_live_tup"].iloc[0], 0))
    pages = float(max(table["relpages"].iloc[0], 1))
    scan_cost = pages * SEQ_PAGE_COST + rows * (CPU_TUPLE_COST + CPU_OPERATOR_COST)
    matching = rows * _selectivity(candidate, rows, column_stats)
    for statement in candidate.statements:
        stops_early = statement in candidate.stops_early
        fetched = min(matching, max(1.0, statement.rows_per_call)) if stops_early else matching
        index_cost = _index_scan_cost(rows, pages, fetched) if stops_early else \
            min(_index_scan_cost(rows, pages, fetched), _bitmap_scan_cost(rows, pages, fetched))
        before, rest = scan_cost, 0.0
        if planner is not None:
            plan = plan_of(planner, statement)
            if plan is None:
                continue
            before = plan.total_cost
            # Read in index order, the page is ready once found: the sort and what sits above it go.
            rest = plan.scans_cost(exclude=candidate.table) if stops_early else \
                max(before - plan.relation_cost(candidate.table), 0.0)
        proof.costs.append(StatementCost(statement, round(before, 2), round(rest + index_cost, 2), True))
    return proof


def _bitmap_scan_cost(rows: float, pages: float, fetched: float) -> float:
    """A bitmap scan returning `fetched` of `rows` rows: the index entries, then the heap pages holding them
    (Mackert and Lohman's estimate of distinct pages) read in physical order, each page costing between a
    random and a sequential read as costsize.c interpolates it by the share of the table read."""
    descent = (math.ceil(math.log2(rows + 2)) + 50) * CPU_OPERATOR_COST
    pages_read = min(pages, 2 * pages * fetched / (2 * pages + fetched)) if fetched > 0 else 0.0
    per_page = RANDOM_PAGE_COST - (RANDOM_PAGE_COST - SEQ_PAGE_COST) * math.sqrt(pages_read / pages)
    return descent + fetched * CPU_INDEX_TUPLE_COST + pages_read * per_page + fetched * (CPU_TUPLE_COST
                                                                                        + CPU_OPERATOR_COST)


def _index_scan_cost(rows: float, pages: float, fetched: float) -> float:
    """An index scan returning `fetched` of `rows` rows, one random heap page per row (as uncorrelated data
    costs), after the descent btcostestimate charges."""
    descent = (math.ceil(math.log2(rows + 2)) + 50) * CPU_OPERATOR_COST
    return descent + min(fetched, pages) * RANDOM_PAGE_COST + fetched * CPU_TUPLE_COST


def plan_of(planner: Planner, statement: StatementRef) -> PlanCost | None:
    """The statement's generic plan, with its LIMIT as many rows as its calls returned on average."""
    planned = planning_text(statement.text, statement.n_params, statement.rows_per_call)
    return planner.generic_cost(planned.text, planned.n_params)


def _selectivity(candidate: Candidate, rows: float, column_stats: pd.DataFrame) -> float:
    """Fraction of rows matching equality on the candidate's equality columns (independence assumed)."""
    stats = column_stats[(column_stats["schema"] == candidate.schema) & (column_stats["table"] == candidate.table)] \
        if not column_stats.empty else column_stats
    selectivity = 1.0
    for column in candidate.columns[: candidate.n_equality]:
        row = stats[stats["column"] == column] if not stats.empty else stats
        if row.empty:
            selectivity *= 0.005  # PostgreSQL's default equality selectivity without statistics
            continue
        n_distinct = float(row["n_distinct"].iloc[0])
        distinct = -n_distinct * rows if n_distinct < 0 else max(n_distinct, 1.0)
        selectivity *= (1.0 - float(row["null_frac"].iloc[0])) / max(distinct, 1.0)
    return selectivity
