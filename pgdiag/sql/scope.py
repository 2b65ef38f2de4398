"""Names in scope while a statement is walked: CTEs, relations of each query level, resolved columns, and the
block under construction."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Collection, Iterator

from pgdiag.sql.model import (
    Bound,
    Context,
    JoinKey,
    OrderKey,
    Origin,
    Output,
    Predicate,
    SetOp,
    TableRef,
)
from pgdiag.sql.outputs import Columns


@dataclass
class Cte:
    """A CTE name in scope: its output columns when known, the block of its body, and the body's own
    name of each column its column list renames (``WITH x(a) AS (SELECT id …)``: a → id)."""

    columns: tuple[str, ...] | None
    block: int
    renames: dict[str, str] = field(default_factory=dict)


CteColumns = dict[str, Cte]
"""The CTE names visible at a point of the statement."""
ColumnLookup = Callable[[str, str], Collection[str] | None]
"""Column names of a real table by (schema, table); None when the table is not known."""


@dataclass
class Relation:
    """A name visible in a FROM clause: a real table reference, or a CTE, derived table or function."""

    name: str
    schema: str | None
    ref: TableRef | None
    columns: Columns
    block: int | None = None
    renames: dict[str, str] = field(default_factory=dict)

    def origin(self, column: str | None) -> Origin | None:
        """Where `column` of this relation comes from when it is a CTE or derived table (None: all columns)."""
        if self.ref is not None or self.block is None:
            return None
        return Origin(self.block, self.renames.get(column, column) if column is not None else None)


@dataclass
class Scope:
    """The relations of one query level, and the level that encloses it (for correlated names)."""

    relations: list[Relation] = field(default_factory=list)
    parent: Scope | None = None

    def chain(self) -> Iterator[Scope]:
        """This scope, then every enclosing one, innermost first."""
        scope: Scope | None = self
        while scope is not None:
            yield scope
            scope = scope.parent


@dataclass
class Column:
    """A column reference resolved to a relation: `ref` is None when the relation is not a real table;
    `origin` then says which CTE or derived table's output it is, when known."""

    ref: TableRef | None
    name: str
    origin: Origin | None = None


@dataclass
class PendingBlock:
    """A block under construction (blocks are frozen once their facts are known)."""

    id: int
    parent: int | None
    context: Context
    cte_name: str | None
    set_op: SetOp | None
    predicates: list[Predicate] = field(default_factory=list)
    joins: list[JoinKey] = field(default_factory=list)
    order_by: tuple[OrderKey, ...] = ()
    limit: Bound | None = None
    offset: Bound | None = None
    grouped: bool = False
    distinct: bool = False
    outputs: tuple[Output, ...] = ()
    links: list[tuple[int, int]] = field(default_factory=list)  # (predicate index, id() of its SubLink)
    fence: bool = False
    """True for a CTE PostgreSQL plans on its own (MATERIALIZED, recursive, or read more than once): conditions
    on its output are not pushed into it."""

    @property
    def inlinable(self) -> bool:
        """Whether PostgreSQL merges this CTE or derived table into the query reading it, so a condition on
        its output filters its tables: a plain SELECT, no grouping, DISTINCT, LIMIT or OFFSET, not fenced."""
        return (self.context in ("cte", "from_subquery") and not self.fence and self.set_op is None
                and not self.grouped and not self.distinct and self.limit is None and self.offset is None)


def qualified(relations: list[Relation], qualifier: list[str]) -> Relation | None:
    """The relation a qualified column names: ``alias.col``, ``table.col`` or ``schema.table.col``."""
    name = qualifier[-1]
    schema = qualifier[-2] if len(qualifier) >= 2 else None
    for relation in relations:
        if relation.name == name and (schema is None or relation.schema == schema):
            return relation
    return None


def preserve(block: PendingBlock, start: int, restricted: set[int] | None) -> None:
    """Mark, on the join keys filed from `start` on, the references an outer join's ON does not
    restrict (those not in `restricted`; None: an inner join, which restricts both)."""
    if restricted is None:
        return
    block.joins[start:] = [replace(j, preserved=tuple(r for r in (j.left_ref, j.right_ref) if r not in restricted))
                           for j in block.joins[start:]]
