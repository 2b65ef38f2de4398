"""Prove a candidate index by cost: hypopg what-if plans where installed, else an estimate from statistics.

A statement is helped when its generic plan uses the hypothetical index and its total cost
drops by at least the configured factor. Without hypopg the same ratio is estimated from the
table's pages and rows and the equality columns' ``n_distinct`` — and marked unvalidated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

from pgdiag.advice.candidates import INDEX_MAX_KEYS, Candidate, StatementRef
from pgdiag.advice.statistics import Statistics, TableSize
from pgdiag.core.lazy import psycopg_errors as errors
from pgdiag.sql.planning import planning_text

if TYPE_CHECKING:  # planning needs a live session: the catalogue of checks (pgdiag checks) does not
    from pgdiag.db.planner import PlanCost, Planner


def refused_errors() -> tuple[type[Exception], ...]:
    """How hypopg says an index cannot be built: no operator class, a type it cannot index, too many columns (an
    internal error in hypopg 1.3). Timeouts and lost sessions are not among them: they fail the check. A
    function, so that psycopg is imported only when a plan fails, not by ``pgdiag checks``."""
    return (errors.UndefinedObject, errors.FeatureNotSupported, errors.ProgramLimitExceeded, errors.InternalError_)

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
    if len(candidate.columns) > INDEX_MAX_KEYS:
        return Proof(candidate, validated=True, note=f"more than {INDEX_MAX_KEYS} key columns: PostgreSQL cannot "
                     "build it")
    plain = zip(candidate.statements, plans_of(planner, candidate.statements))
    planned = [(statement, before) for statement, before in plain if before is not None]
    if not planned:
        return proof
    try:  # one hypothetical index for all the statements: creating it costs more than planning one
        name, after = plans_with_index(planner, candidate, [statement for statement, _ in planned])
    except refused_errors() as exc:
        return Proof(candidate, validated=True, note=f"hypopg refused the index: {exc.diag.message_primary}")
    proof.costs = [StatementCost(statement, before.total_cost, plan.total_cost, name in plan.index_names())
                   for (statement, before), plan in zip(planned, after) if plan is not None]
    return proof


def estimate(candidate: Candidate, stats: Statistics, planner: Planner | None = None) -> Proof:
    """Estimate each statement's cost with the index from table size and column statistics; unvalidated.

    With a `planner` the cost before is the statement's real generic plan, and the cost after
    replaces that plan's reading of the table with the estimated index scan; without one (a
    stored snapshot) both are estimates of reading the table alone. Where the index returns a
    statement's ORDER BY … LIMIT in order, the scan stops after the rows a call returns and the
    sort above it goes.
    """
    proof = Proof(candidate, validated=False)
    table = stats.tables.get((candidate.schema, candidate.table))
    if table is None:
        return proof
    rows, pages = table.rows, table.pages
    scan_cost = pages * SEQ_PAGE_COST + rows * (CPU_TUPLE_COST + CPU_OPERATOR_COST)
    matching = rows * _selectivity(candidate, rows, stats)
    plans = plans_of(planner, candidate.statements) if planner is not None else [None] * len(candidate.statements)
    for statement, plan in zip(candidate.statements, plans):
        stops_early = statement in candidate.stops_early
        fetched = min(matching, max(1.0, statement.rows_per_call)) if stops_early else matching
        index_cost = _index_scan_cost(rows, pages, fetched) if stops_early else \
            min(_index_scan_cost(rows, pages, fetched), _bitmap_scan_cost(rows, pages, fetched))
        before, rest = scan_cost, 0.0
        if planner is not None:
            if plan is None:
                continue
            before = plan.total_cost
            # Read in index order, the page is ready once found: the sort and what sits above it go.
            rest = plan.scans_cost(exclude=candidate.table) if stops_early else \
                max(before - plan.relation_cost(candidate.table), 0.0)
        proof.costs.append(StatementCost(statement, round(before, 2), round(rest + index_cost, 2), True))
    return proof


def cannot_pass(candidate: Candidate, stats: Statistics, min_factor: float) -> bool:
    """Whether no index on the candidate's table can make a statement `min_factor` times cheaper, so the
    candidate is not worth planning at all.

    An index changes only how its table is read. The most that read costs without the index is a
    sequential scan of every page that filters every row and sorts them all; the least it costs with
    an index is the descent and one random page. When the first is under `min_factor` times the second
    (a table of a few pages), the statement cannot fall by `min_factor`, whatever the rest of its plan.
    A table never analyzed, or whose size on disk was not read, is planned as usual.
    """
    table = stats.tables.get((candidate.schema, candidate.table))
    if table is None or not table.analyzed or table.disk_pages is None:
        return False
    return _largest_read_cost(table, len(candidate.columns)) < min_factor * _index_scan_cost(table.rows, 1.0, 1.0)


def _largest_read_cost(table: TableSize, conditions: int) -> float:
    """A sequential scan of the table as large as it may be now (its files can have grown since ANALYZE:
    the planner scales rows by the pages it finds), each row filtered by `conditions` and all rows sorted."""
    pages = max(table.pages, table.disk_pages or 0.0)
    rows = max(table.rows, table.rows_per_page * pages)
    sort = 2.0 * CPU_OPERATOR_COST * rows * math.log2(rows + 2)
    return pages * SEQ_PAGE_COST + rows * (CPU_TUPLE_COST + conditions * CPU_OPERATOR_COST) + sort


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


def plans_of(planner: Planner, statements: Sequence[StatementRef]) -> list[PlanCost | None]:
    """The statements' generic plans, each with its LIMIT as many rows as its calls returned on average, planned
    together (one round trip for many)."""
    return planner.generic_costs(_planning_texts(statements))


def plans_with_index(planner: Planner, candidate: Candidate,
                     statements: Sequence[StatementRef]) -> tuple[str, list[PlanCost | None]]:
    """The statements' generic plans (as `plans_of`) with the candidate as a hypothetical index, and its name."""
    return planner.costs_with_index(candidate.schema, candidate.table, list(candidate.columns), candidate.descending,
                                    _planning_texts(statements))


def _planning_texts(statements: Sequence[StatementRef]) -> list[tuple[str, int]]:
    """Each statement's text for a generic plan (`planning_text`) and its number of parameters."""
    planned = [planning_text(s.text, s.n_params, s.rows_per_call) for s in statements]
    return [(p.text, p.n_params) for p in planned]


def _selectivity(candidate: Candidate, rows: float, stats: Statistics) -> float:
    """Fraction of rows matching equality on the candidate's equality columns (independence assumed)."""
    selectivity = 1.0
    for column in candidate.columns[: candidate.n_equality]:
        found = stats.columns.get((candidate.schema, candidate.table, column))
        if found is None:
            selectivity *= 0.005  # PostgreSQL's default equality selectivity without statistics
            continue
        distinct = -found.n_distinct * rows if found.n_distinct < 0 else max(found.n_distinct, 1.0)
        selectivity *= (1.0 - found.null_frac) / max(distinct, 1.0)
    return selectivity
