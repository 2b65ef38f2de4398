"""Candidate indexes (DESIGN §6): equality columns first (tenant column leading), then one range or the sort.

Input is a `TableAccess` — what one statement asks of one table — so the rules stay independent
of how statements are parsed. Candidates already served by an existing index are dropped;
a candidate that is a prefix of another on the same table merges into it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from pgdiag.core.lazy import pandas as pd
from pgdiag.core.snapshot import Snapshot
from pgdiag.sql.workload import StatementRef


@dataclass(frozen=True, slots=True)
class TableAccess:
    """How one statement reads one table: columns it filters by equality or range, and its sort."""

    schema: str
    table: str
    equality: tuple[str, ...]
    ranges: tuple[str, ...] = ()
    order_by: tuple[tuple[str, bool], ...] = ()
    statement: StatementRef | None = None
    limited: bool = False


@dataclass(slots=True)
class Candidate:
    """A proposed btree index and the statements it is meant to help."""

    schema: str
    table: str
    columns: tuple[str, ...]
    descending: tuple[bool, ...]
    n_equality: int
    statements: list[StatementRef] = field(default_factory=list)
    stops_early: set[StatementRef] = field(default_factory=set)
    """Statements whose ORDER BY … LIMIT the index returns in order, so a scan stops after one page."""

    def serves(self, other: Candidate) -> bool:
        """Whether this index leads with `other`'s columns (its equality columns in any order)."""
        if (self.schema, self.table) != (other.schema, other.table) or len(other.columns) > len(self.columns):
            return False
        n = other.n_equality
        return (set(self.columns[:n]) == set(other.columns[:n])
                and self.columns[n: len(other.columns)] == other.columns[n:])

    @property
    def total_ms(self) -> float:
        """Time spent by the statements this index would help: the ranking weight."""
        return sum(s.total_ms for s in self.statements)


# PostgreSQL's INDEX_MAX_KEYS: no index, real or hypothetical (hypopg), has more key columns.
INDEX_MAX_KEYS = 32


def candidate_for(access: TableAccess, tenant_column: str | None = None) -> Candidate | None:
    """The index `access` wants, or None when it filters and sorts by nothing indexable."""
    equality = list(dict.fromkeys(access.equality))
    if tenant_column in equality:
        equality.remove(tenant_column)
        equality.insert(0, tenant_column)
    columns = list(equality)
    descending = [False] * len(columns)
    range_column = next((c for c in access.ranges if c not in columns), None)
    ordered = False
    if range_column is not None:
        columns.append(range_column)
        descending.append(False)
    else:
        for column, desc in access.order_by:
            if column not in columns:
                columns.append(column)
                descending.append(desc)
        ordered = bool(access.order_by)
    if not columns:
        return None
    if all(descending[len(equality):]):  # one direction throughout: the index is read backwards
        descending = [False] * len(columns)
    statements = [access.statement] if access.statement else []
    stops_early = set(statements) if ordered and access.limited else set()
    return Candidate(access.schema, access.table, tuple(columns), tuple(descending), len(equality), statements,
                     stops_early)


MAX_KEY_COLUMNS = 6
"""The most key columns advised: past a handful, each column narrows a lookup that already finds a few rows,
while every one widens the index (hypopg refuses more than 32, PostgreSQL's limit)."""


def trimmed(candidate: Candidate, rows: float, distinct: dict[str, float]) -> Candidate:
    """`candidate` without the columns that narrow nothing: once the equality columns kept (most distinct
    first) tell about one row apart (their distinct counts multiply to the table's rows), further equality
    columns and the range or sort after them are left out; at most `MAX_KEY_COLUMNS` in all.

    `distinct` maps a column to its number of distinct values; columns without statistics are kept.

    >>> c = Candidate("public", "t", ("a", "b", "c", "d"), (False,) * 4, 3)
    >>> trimmed(c, 1000.0, {"a": 10, "b": 1000, "c": 5}).columns
    ('b',)
    >>> trimmed(c, 1000.0, {"a": 10, "b": 20, "c": 2}).columns
    ('a', 'b', 'c', 'd')
    """
    equality = candidate.columns[: candidate.n_equality]
    keep, product = set(), 1.0
    for column in sorted(equality, key=lambda c: -distinct.get(c, math.inf)):
        keep.add(column)
        product *= distinct.get(column, math.inf)
        if rows > 0 and product >= rows:
            break
    unique = rows > 0 and product >= rows
    columns = [c for c in equality if c in keep] + ([] if unique else list(candidate.columns[len(equality):]))
    columns = columns[:MAX_KEY_COLUMNS]
    if not columns:
        return candidate
    order = dict(zip(candidate.columns, candidate.descending))
    return Candidate(candidate.schema, candidate.table, tuple(columns), tuple(order[c] for c in columns),
                     min(len(keep), len(columns)), list(candidate.statements), set(candidate.stops_early))


def distinct_values(column_stats: pd.DataFrame, rows: dict[tuple[str, str], float]) -> dict[tuple[str, str], dict[str, float]]:
    """Per table, each column's number of distinct non-null values from ``pg_stats`` (a negative n_distinct is a
    fraction of the table's `rows`)."""
    found: dict[tuple[str, str], dict[str, float]] = {}
    if column_stats.empty:
        return found
    for schema, table, column, n_distinct in zip(column_stats["schema"], column_stats["table"],
                                                 column_stats["column"], column_stats["n_distinct"]):
        if pd.isna(n_distinct) or (schema, table) not in rows:
            continue
        value = -float(n_distinct) * rows[(schema, table)] if n_distinct < 0 else float(n_distinct)
        found.setdefault((schema, table), {})[column] = max(value, 1.0)
    return found


IndexLeads = dict[tuple[str, str], list[tuple[str, ...]]]
"""Per (schema, table), the column lists of its valid, non-partial btree indexes on plain columns."""


def index_leads(snapshot: Snapshot) -> IndexLeads:
    """The snapshot's usable btree indexes by table, built once per snapshot."""
    return snapshot.derived("index_leads", _index_leads)


def _index_leads(snapshot: Snapshot) -> IndexLeads:
    indexes = snapshot.frame("indexes")
    leads: IndexLeads = {}
    if indexes.empty:
        return leads
    usable = indexes[indexes["is_valid"].astype(bool) & ~indexes["has_predicate"].astype(bool)
                     & indexes["method"].eq("btree")]
    for schema, table, columns in zip(usable["schema"], usable["table"], usable["columns"]):
        names = tuple(list(columns))
        if not any(n is None or pd.isna(n) for n in names):  # an expression column serves no plain column
            leads.setdefault((schema, table), []).append(names)
    return leads


def covered(candidate: Candidate, leads: IndexLeads) -> bool:
    """Whether an existing usable index on the table already leads with the candidate's columns.

    Equality columns may come in any order, so the comparison is on the set of the first
    columns, then position by position for the rest.
    """
    return any(Candidate(candidate.schema, candidate.table, names, (False,) * len(names), 0).serves(candidate)
               for names in leads.get((candidate.schema, candidate.table), ()))


def merge(candidates: list[Candidate]) -> list[Candidate]:
    """Fold every candidate that is a leading prefix of a longer one on the same table into the longer one.

    Statements keep their order of first appearance; the result is ranked by the time of the
    statements each index would help, largest first.
    """
    merged: list[Candidate] = []
    by_table: dict[tuple[str, str], list[Candidate]] = {}  # only a candidate on the same table can serve
    for candidate in sorted(candidates, key=lambda c: -len(c.columns)):
        same_table = by_table.setdefault((candidate.schema, candidate.table), [])
        home = next((m for m in same_table if m.serves(candidate)), None)
        if home is None:
            same_table.append(Candidate(candidate.schema, candidate.table, candidate.columns, candidate.descending,
                                        candidate.n_equality, list(candidate.statements), set(candidate.stops_early)))
            merged.append(same_table[-1])
        else:  # the longer index keeps the shorter one's columns in place, so its ordered reads stay ordered
            home.statements.extend(s for s in candidate.statements if s not in home.statements)
            home.stops_early |= candidate.stops_early
    return sorted(merged, key=lambda c: -c.total_ms)
