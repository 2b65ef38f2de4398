"""The statement model: what one SQL statement asks of its tables, as plain frozen data.

A statement is a set of table references (`TableRef`) spread over query levels (`Block`).
Each block carries the facts the checks reason about: predicates on its references' columns,
join keys, ORDER BY, LIMIT and OFFSET. Ids are statement-global, so a fact in a subquery can
point at a reference of an enclosing block (correlation). `docs/statement-model.md` explains
the choices behind the fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["ok", "pgdiag", "utility", "unparsable", "too_deep"]
Command = Literal["select", "insert", "update", "delete", "merge"]
Role = Literal["read", "insert_target", "update_target", "delete_target", "merge_target"]
Context = Literal["top", "cte", "from_subquery", "where_subquery", "select_subquery", "set_branch", "insert_select"]
SetOp = Literal["union", "union_all", "intersect", "intersect_all", "except", "except_all"]
Op = Literal["eq", "in", "any", "range", "is_null", "is_not_null", "like_prefix", "neq", "other"]
ValueKind = Literal["param", "const", "column", "subquery", "expr"]
ConditionSource = Literal["where", "join_on"]
Nulls = Literal["first", "last"]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a value comes from when it is not a table's column: output `column` of block `block` (a CTE's,
    a derived table's or a subquery's); `column` is None for a subquery's first (only) output column, or
    for a ``*`` of a derived relation, which hands on all its columns."""

    block: int
    column: str | None


@dataclass(frozen=True, slots=True)
class TableRef:
    """One mention of a real table in the statement (CTE names, functions and VALUES are not tables).

    `schema` is the explicit schema, else the first schema of the search path (None when that is
    empty); `table` is the real name as PostgreSQL stores it.
    """

    id: int
    schema: str | None
    table: str
    alias: str | None
    block: int
    role: Role

    @property
    def name(self) -> str:
        """How the statement refers to this table: its alias, else its name."""
        return self.alias or self.table


@dataclass(frozen=True, slots=True)
class Predicate:
    """A condition on one column of one table reference, written column first.

    `top_level` is True when the condition is a conjunct of its block's WHERE or of an inner
    join's ON (reached only through AND), so it restricts every row the block reads. `origin` says
    which block supplies the value when it is a CTE's or derived table's column (value "column") or a
    subquery (value "subquery").
    """

    ref: int
    column: str
    op: Op
    value: ValueKind
    params: tuple[int, ...]
    top_level: bool
    source: ConditionSource
    origin: Origin | None = None
    column_cast: bool = False
    """True when the column itself is cast (``a::text = $1``): an index on the column does not serve it."""


@dataclass(frozen=True, slots=True)
class JoinKey:
    """Equality of two columns of two different table references (possibly across query levels).

    `preserved` holds the references of the key whose rows it does not restrict: the preserved side
    of an outer join's ON (both for a FULL JOIN); empty for inner joins and WHERE.
    """

    left_ref: int
    left_column: str
    right_ref: int
    right_column: str
    top_level: bool
    source: ConditionSource
    preserved: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class OrderKey:
    """One ORDER BY key; `ref` and `column` are None when the key is not a plain table column."""

    ref: int | None
    column: str | None
    descending: bool
    nulls: Nulls | None


@dataclass(frozen=True, slots=True)
class Bound:
    """A LIMIT/FETCH or OFFSET: a constant `value`, a `$n` `param`, or neither for an expression."""

    value: int | None
    param: int | None


@dataclass(frozen=True, slots=True)
class Output:
    """One column a block hands to its reader (a CTE's or derived table's column, a subquery's value).

    A table's column has `ref` and `column`; a CTE's or derived table's column has `origin`; an
    expression has neither. `name` is the output name; None for ``*`` or ``t.*``, which hands on every
    column of `ref` (or of `origin.block`) under its own name.
    """

    name: str | None
    ref: int | None
    column: str | None
    origin: Origin | None


@dataclass(frozen=True, slots=True)
class Block:
    """One query level (a SELECT, a set-operation branch, a CTE body, a DML statement) and its facts.

    Predicates and join keys live in the block whose clause contains them. `outputs` are the
    select list's (or RETURNING's) columns in order; empty for a set operation (its branches have
    them), VALUES and DML without RETURNING.
    """

    id: int
    parent: int | None
    context: Context
    cte_name: str | None
    set_op: SetOp | None
    predicates: tuple[Predicate, ...]
    joins: tuple[JoinKey, ...]
    order_by: tuple[OrderKey, ...]
    limit: Bound | None
    offset: Bound | None
    grouped: bool
    distinct: bool
    outputs: tuple[Output, ...] = ()


@dataclass(frozen=True, slots=True)
class Statement:
    """A parsed data statement: its table references and query levels.

    `writes_data` is True when any part of it (a data-modifying CTE included) changes rows;
    `n_params` is the highest ``$n`` it uses, what a generic plan must supply.
    """

    text: str
    command: Command
    refs: tuple[TableRef, ...]
    blocks: tuple[Block, ...]
    writes_data: bool
    n_params: int

    @property
    def top(self) -> Block:
        """The outermost block: the one whose ORDER BY, LIMIT and OFFSET shape what the client gets."""
        return self.blocks[0]

    def block(self, block_id: int) -> Block:
        """The block with id `block_id` (ids are positions in `blocks`)."""
        return self.blocks[block_id]

    def ref(self, ref_id: int) -> TableRef:
        """The table reference with id `ref_id` (ids are positions in `refs`)."""
        return self.refs[ref_id]

    def refs_in(self, block_id: int) -> tuple[TableRef, ...]:
        """The table references that belong to block `block_id`, in the order written."""
        return tuple(ref for ref in self.refs if ref.block == block_id)

    def predicates_on(self, ref_id: int) -> tuple[Predicate, ...]:
        """Every predicate on reference `ref_id`, whichever block it is written in."""
        return tuple(p for block in self.blocks for p in block.predicates if p.ref == ref_id)


@dataclass(frozen=True, slots=True)
class Analysis:
    """What `analyze` made of a text: its kind, the statement when kind is "ok", the parser's error
    when it is "unparsable" (or why not when it is "too_deep")."""

    kind: Kind
    statement: Statement | None = None
    error: str | None = None
