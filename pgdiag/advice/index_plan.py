"""One index plan per table: the indexes to add, and the ones they replace, chosen together (DESIGN §6, §10).

Candidates arrive proven one by one (`costing`) and accepted (`acceptance`). Per table they are then:

- **ordered to settle needs**: an index's equality columns may come in any order, so they are put in the
  order that makes it lead with what the table lacks: the tenant column (no index leads with it), else the
  columns of a foreign key no index serves. One index then serves the statements and settles
  ``tenant_index_missing`` or ``missing_fk_index``, instead of two indexes doing so;
- **folded** (hypopg): in order of value, an index is kept only when it settles a need no kept index settles,
  or when some statement it serves is not served (its cost at least halved) by the indexes kept so far, all
  in place at once; else its statements go to the kept indexes their plans read;
- **proven together** (hypopg): every kept index of the table at once, each statement planned again (a plan
  already made with the same indexes in place is not made again); an index no statement's plan reads with
  the others in place, and that settles a need another read index settles or none, is left out;
- **made to replace** the existing plain indexes whose columns lead it (``(a)`` beside a new ``(a, b)``):
  the new index serves every lookup they serve, so they are dropped in the same fix.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pgdiag.advice.acceptance import accepted
from pgdiag.advice.candidates import Candidate
from pgdiag.advice.costing import StatementCost, plans_of

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
    """The table's plan from its accepted indexes: ordered to settle `needs`, the lesser ones folded into the
    better ones that serve their statements and proven together where hypopg is installed (when more than one
    was accepted: one index alone was proven as it is), each with the existing indexes it replaces."""
    chosen = sorted(chosen, key=lambda p: -p.candidate.total_ms)
    assigned = _assign_needs(chosen, list(needs.leads))
    for planned, need in zip(chosen, assigned):
        planned.candidate = _leading(planned.candidate, need) if need is not None else planned.candidate
        columns, n_equality = planned.candidate.columns, planned.candidate.n_equality
        planned.settles = [n for n in needs.leads if _settles(columns, n_equality, n)]
    if planner is not None and planner.has_hypopg and len(chosen) > 1 and all(p.validated for p in chosen):
        with ExitStack() as stack:  # the kept indexes stay in place from their folding to their proof
            kept = _folded(chosen, planner, min_factor, stack)
            chosen = _proven_together(kept, planner) if len(kept) > 1 else [planned for planned, _ in kept]
    for planned in chosen:
        planned.replaces = [e for e in existing if _leads(planned.candidate, e)]
    return chosen


def _folded(chosen: list[PlannedIndex], planner: Planner, min_factor: float,
            stack: ExitStack) -> list[tuple[PlannedIndex, str]]:
    """The indexes kept, each with the name of its hypothetical index (in place until `stack` closes).

    In order of value, an index is kept when it settles a need no kept index settles, or when the kept
    indexes, all in place, do not serve every statement it serves `min_factor` times more cheaply (the
    acceptance rule's first test; the second, upkeep, does not apply: no index is added). Else it is folded:
    each of its statements goes to the kept index its plan reads (the one serving the most, if it reads
    several). An index is tried only when a kept one leads with one of its columns: no other can serve it.
    """
    kept: list[tuple[PlannedIndex, str]] = []
    for planned in chosen:
        settled = {need for k, _ in kept for need in k.settles}
        needed = any(need not in settled for need in planned.settles)
        if not needed and any(k.candidate.columns[0] in planned.candidate.columns for k, _ in kept):
            homes = _homes(planned, kept, planner, min_factor)
            if homes is not None:
                for home, cost in homes:
                    home.costs.append(cost)
                    home.candidate.statements.append(cost.statement)
                continue
        candidate = planned.candidate
        kept.append((planned, stack.enter_context(planner.hypothetical_index(
            candidate.schema, candidate.table, list(candidate.columns), candidate.descending))))
    return kept


def _homes(planned: PlannedIndex, kept: list[tuple[PlannedIndex, str]], planner: Planner,
           min_factor: float) -> list[tuple[PlannedIndex, StatementCost]] | None:
    """For each statement `planned` serves, the kept index that serves it instead and its cost with the kept
    indexes in place; None when one of them is not served `min_factor` times more cheaply by a kept index."""
    homes = []
    for cost, plan in zip(planned.costs, plans_of(planner, [c.statement for c in planned.costs])):
        read = [k for k, name in kept if plan is not None and name in plan.index_names()]
        if plan is None or not read:
            return None
        trial = StatementCost(cost.statement, cost.cost_before, plan.total_cost, True)
        if not accepted([trial], min_factor, None):
            return None
        homes.append((max(read, key=lambda k: len(k.costs)), trial))
    return homes


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


def _proven_together(kept: list[tuple[PlannedIndex, str]], planner: Planner) -> list[PlannedIndex]:
    """Every statement of the kept indexes planned again with all of them in place (as they are when this runs):
    each goes to the kept index its plan reads (the one serving the most, if several), with its cost then. An
    index no plan reads is left out, unless it settles a need no read index settles: it keeps its statements."""
    statements = list({cost.statement: cost for planned, _ in kept for cost in planned.costs}.values())
    served: dict[int, list[StatementCost]] = {}
    for cost, plan in zip(statements, plans_of(planner, [c.statement for c in statements])):
        read = [at for at, (_, name) in enumerate(kept) if plan is not None and name in plan.index_names()]
        if plan is not None and read:
            home = max(read, key=lambda at: len(kept[at][0].costs))
            served.setdefault(home, []).append(StatementCost(cost.statement, cost.cost_before, plan.total_cost, True))
    settled = {need for at in served for need in kept[at][0].settles}
    chosen = []
    for at, (planned, _) in enumerate(kept):
        if at in served:
            planned.costs = served[at]
        elif any(need not in settled for need in planned.settles):
            settled.update(planned.settles)
        else:
            continue
        chosen.append(planned)
    return chosen
