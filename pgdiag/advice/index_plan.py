"""One index plan per table: the indexes to add, and the ones they replace, chosen together (DESIGN §6, §10).

Candidates arrive proven one by one (`costing`) and accepted (`acceptance`). Per table they are then:

- **ordered to settle needs**: an index's equality columns may come in any order, so they are put in the
  order that makes it lead with what the table lacks: the tenant column (no index leads with it), else the
  columns of a foreign key no index serves. One index then serves the statements and settles
  ``tenant_index_missing`` or ``missing_fk_index``, instead of two indexes doing so;
- **proven together** (hypopg): every chosen index of the table at once, each statement planned again; an
  index no statement's plan reads with the others in place, and that settles no need, is left out;
- **made to replace** the existing plain indexes whose columns lead it (``(a)`` beside a new ``(a, b)``):
  the new index serves every lookup they serve, so they are dropped in the same fix.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pgdiag.advice.candidates import Candidate
from pgdiag.advice.costing import StatementCost, plans_of, prove

if TYPE_CHECKING:  # a live session only when the plan is proven, not for the catalogue of checks
    from pgdiag.db.planner import Planner


@dataclass(frozen=True)
class TableNeeds:
    """What a table lacks: column sets that an index should lead with (unindexed foreign keys, the tenant
    column), in order of preference."""

    leads: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class ExistingIndex:
    """A plain index an advised index may replace: no uniqueness, constraint, predicate or expression."""

    name: str
    columns: tuple[str, ...]
    descending: tuple[bool, ...]


@dataclass
class PlannedIndex:
    """One index of a table's plan: what it serves (its statements' costs with the whole plan in place),
    the needs it settles (leading column sets) and the existing indexes it replaces."""

    candidate: Candidate
    costs: list[StatementCost]
    validated: bool
    settles: list[tuple[str, ...]] = field(default_factory=list)
    replaces: list[ExistingIndex] = field(default_factory=list)
    note: str | None = None


def plan_table(chosen: list[PlannedIndex], needs: TableNeeds, existing: list[ExistingIndex],
               planner: Planner | None, min_factor: float) -> list[PlannedIndex]:
    """The table's plan from its accepted indexes: ordered to settle `needs`, the lesser ones folded into a
    better one that serves their statements, proven together where hypopg is installed (when more than one
    remains: one index alone was proven as it is), each with the existing indexes it replaces."""
    chosen = sorted(chosen, key=lambda p: -p.candidate.total_ms)
    assigned = _assign_needs(chosen, list(needs.leads))
    for planned, need in zip(chosen, assigned):
        planned.candidate = _leading(planned.candidate, need) if need is not None else planned.candidate
        columns, n_equality = planned.candidate.columns, planned.candidate.n_equality
        planned.settles = [n for n in needs.leads if _settles(columns, n_equality, n)]
    chosen = _folded(chosen, planner, min_factor)
    if planner is not None and planner.has_hypopg and len(chosen) > 1 and all(p.validated for p in chosen):
        chosen = _proven_together(chosen, planner)
    for planned in chosen:
        planned.replaces = [e for e in existing if _leads(planned.candidate, e)]
    return chosen


def _folded(chosen: list[PlannedIndex], planner: Planner | None, min_factor: float) -> list[PlannedIndex]:
    """Fold a lesser index into a better one when that one also serves its statements `min_factor` times more
    cheaply (proven by hypopg; without it, advice for different column orders stays separate). An index
    that settles a need is never folded: the table needs it anyway, so it may as well serve its statements."""
    kept: list[PlannedIndex] = []
    for planned in chosen:
        home = next((k for k in kept if k.validated), None) if planner is not None and not planned.settles else None
        if home is not None:
            trial = prove(Candidate(home.candidate.schema, home.candidate.table, home.candidate.columns,
                                    home.candidate.descending, home.candidate.n_equality,
                                    list(planned.candidate.statements)), planner)
            if len(trial.helped(min_factor)) == len(planned.candidate.statements):
                home.candidate.statements.extend(planned.candidate.statements)
                home.costs.extend(trial.costs)
                continue
        kept.append(planned)
    return kept


def _assign_needs(chosen: list[PlannedIndex], needs: list[tuple[str, ...]]) -> list[tuple[str, ...] | None]:
    """The need each index should lead with, so that as many needs as possible are settled (a bipartite
    matching by augmenting paths, indexes in order of value, needs in order of preference)."""
    options = [[need for need in needs if _can_lead(p.candidate, need)] for p in chosen]
    holder: dict[tuple[str, ...], int] = {}

    def augment(index: int, seen: set[tuple[str, ...]]) -> bool:
        for need in options[index]:
            if need not in seen:
                seen.add(need)
                if need not in holder or augment(holder[need], seen):
                    holder[need] = index
                    return True
        return False

    for index in range(len(chosen)):
        augment(index, set())
    assigned: list[tuple[str, ...] | None] = [None] * len(chosen)
    for need, index in holder.items():
        assigned[index] = need
    return assigned


def _can_lead(candidate: Candidate, need: tuple[str, ...]) -> bool:
    """Whether `candidate` leads with `need` as it is, or can once its equality columns are reordered."""
    return _settles(candidate.columns, candidate.n_equality, need) or \
        set(need) <= set(candidate.columns[: candidate.n_equality])


def _leading(candidate: Candidate, need: tuple[str, ...]) -> Candidate:
    """`candidate` with its equality columns reordered to lead with `need` (unchanged when it already does)."""
    if _settles(candidate.columns, candidate.n_equality, need):
        return candidate
    n = candidate.n_equality
    columns = tuple(need) + tuple(c for c in candidate.columns[:n] if c not in need) + candidate.columns[n:]
    order = dict(zip(candidate.columns, candidate.descending))
    return Candidate(candidate.schema, candidate.table, columns, tuple(order[c] for c in columns), n,
                     candidate.statements, candidate.stops_early)


def _settles(columns: tuple[str, ...], n_equality: int, need: tuple[str, ...]) -> bool:
    """Whether an index on `columns` leads with `need`'s columns, in any order among them (as a foreign key
    lookup is served); past the equality columns the order is fixed."""
    k = len(need)
    if k > len(columns):
        return False
    return set(columns[:k]) == set(need) if k <= n_equality else columns[:k] == need


def _leads(candidate: Candidate, index: ExistingIndex) -> bool:
    """Whether `index`'s columns lead the candidate (as a strict prefix with the same sort directions, the
    equality columns in any order), so the candidate serves all it serves."""
    k = len(index.columns)
    if k >= len(candidate.columns):
        return False
    if any(index.descending):
        return candidate.columns[:k] == index.columns and candidate.descending[:k] == index.descending
    return _settles(candidate.columns, candidate.n_equality, index.columns) and not any(candidate.descending[:k])


def _proven_together(chosen: list[PlannedIndex], planner: Planner) -> list[PlannedIndex]:
    """Every chosen index as a hypothetical index at once; each statement planned again. Indexes that no plan
    reads and that settle no need are left out; the others get their statements' costs with the plan in place."""
    with ExitStack() as stack:
        names = [stack.enter_context(planner.hypothetical_index(p.candidate.schema, p.candidate.table,
                                                                list(p.candidate.columns), p.candidate.descending))
                 for p in chosen]
        kept = []
        plans = iter(plans_of(planner, [cost.statement for planned in chosen for cost in planned.costs]))
        for planned, name in zip(chosen, names):
            costs = []
            for cost in planned.costs:
                after = next(plans)
                if after is not None:
                    costs.append(StatementCost(cost.statement, cost.cost_before, after.total_cost,
                                               bool(set(names) & after.index_names())))
                    if name not in after.index_names() and not planned.settles:
                        costs.pop()  # served by another index of the plan
            if costs or planned.settles:
                planned.costs = costs or planned.costs
                kept.append(planned)
    return kept
