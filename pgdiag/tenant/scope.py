"""Tenant scoping of one statement (DESIGN §7): which references to tenant tables are pinned to one tenant.

Pure functions over a `pgdiag.sql.Statement` and a `pgdiag.tenant.model.TenantSchema`; no database.
A reference is *scoped* when the conditions of its own query level restrict it to one tenant:

- **filter**: a top-level conjunct (not under OR or NOT) compares its tenant column by ``=``, ``IN``
  or ``= ANY`` with parameters or constants (for the tenant root: its key, e.g. ``"id" = $1``);
- **tenant_join**: a top-level equality ties its tenant column to a scoped reference's tenant column
  (or to the root's key);
- **foreign_key**: a top-level equality of all columns of a foreign key ties it to a scoped
  reference, child to parent or parent to child, transitively;
- the two joins also hold when the other side is a CTE's, derived table's or subquery's column
  (``"projectId" IN (SELECT "id" FROM "Project" WHERE …)``) whose every source is a scoped reference.

Scope flows into a subquery through its correlation (its own conditions naming an outer scoped
reference) and out of a CTE, derived table or subquery only through the values it hands on: a
condition restricts the references of its own query level, never those of an enclosing one (an
``EXISTS`` may sit under OR or NOT). The key of an outer join's ON restricts its nullable side only.
A ``<>`` on the tenant column (without a pin beside it) is a leak and is never scoped. Global tables
are not analysed; INSERT targets neither (an INSERT adds the rows it is given; its source query is
analysed like any other). docs/tenancy.md explains each choice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Literal

from pgdiag.sql import Block, Predicate, Statement, TableRef
from pgdiag.sql.model import Origin, Output
from pgdiag.tenant.model import TableName, TenantSchema

How = Literal["filter", "tenant_join", "foreign_key", "missing", "or", "neq", "outer_join", "unproven"]
"""How a reference is scoped (filter, tenant_join, foreign_key) or why it is not (the others)."""

PINS = ("eq", "in", "any")
FIXED = ("param", "const")
Source = tuple[int, str]
"""A table column that supplies a value: (reference id, column)."""


@dataclass(frozen=True)
class RefScope:
    """What the analysis found about one reference to a tenant table or to the tenant root.

    `via` is the reference it is scoped through (a join), or for an unscoped one the scoped reference
    an outer join keeps it from (`how` "outer_join").
    """

    ref: TableRef
    root: bool
    scoped: bool
    how: How
    via: TableRef | None = None


def scope(statement: Statement, schema: TenantSchema) -> tuple[RefScope, ...]:
    """Every reference of `statement` to a tenant table or to the tenant root (INSERT targets aside),
    in statement order, with whether and how it is scoped."""
    return _Analysis(statement, schema).run()


class _Analysis:
    """The facts of one statement, and the scoped references found from them by a fixed point."""

    def __init__(self, statement: Statement, schema: TenantSchema) -> None:
        self.statement = statement
        self.schema = schema
        self.keys = {r.id: key for r in statement.refs if (key := schema.key(_table(r))) is not None}
        self.on_key = [(block, p) for block in statement.blocks for p in block.predicates
                       if self.keys.get(p.ref) == p.column]
        self.pinned = {p.ref for block, p in self.on_key
                       if self._own(block, p) and p.top_level and p.op in PINS and p.value in FIXED}
        self.leaking = {p.ref for _, p in self.on_key if p.op == "neq" and not self._is_root(p.ref)} - self.pinned
        self.pairs = self._equated()

    def run(self) -> tuple[RefScope, ...]:
        """Propagate scope from the pinned references until nothing changes; describe each reference."""
        found: dict[int, tuple[How, int | None]] = {ref: ("filter", None) for ref in self.pinned}
        derived = [(block, p) for block in self.statement.blocks for p in block.predicates
                   if p.ref in self.keys and p.origin is not None and self._own(block, p) and p.top_level
                   and p.op in PINS]
        changed = True
        while changed:
            changed = False
            for (src, dst), columns in self.pairs.items():
                if src in found and dst in self.keys and dst not in found and dst not in self.leaking:
                    how = self._link(src, dst, columns)
                    if how is not None:
                        found[dst] = (how, src)
                        changed = True
            for _, predicate in derived:
                if predicate.ref not in found and predicate.ref not in self.leaking:
                    through = self._through(predicate, found)
                    if through is not None:
                        found[predicate.ref] = through
                        changed = True
        return tuple(self._describe(ref, found) for ref in self.statement.refs
                     if ref.id in self.keys and ref.role != "insert_target")

    # Facts -------------------------------------------------------------------------------------

    def _own(self, block: Block, predicate: Predicate) -> bool:
        """Whether `predicate` is written in the query level of the reference it constrains."""
        return self.statement.ref(predicate.ref).block == block.id

    def _is_root(self, ref_id: int) -> bool:
        """Whether reference `ref_id` is to the tenant root table."""
        return self.schema.kind(_table(self.statement.ref(ref_id))) == "root"

    def _equated(self) -> dict[tuple[int, int], set[tuple[str, str]]]:
        """For each (source, restricted) pair of references, the (restricted column, source column)
        pairs that top-level equalities of the restricted reference's own level tie together."""
        pairs: dict[tuple[int, int], set[tuple[str, str]]] = defaultdict(set)
        for block in self.statement.blocks:
            for key in block.joins:
                if not key.top_level:
                    continue
                sides = ((key.left_ref, key.left_column, key.right_ref, key.right_column),
                         (key.right_ref, key.right_column, key.left_ref, key.left_column))
                for src, src_column, dst, dst_column in sides:
                    if self.statement.ref(dst).block == block.id and dst not in key.preserved:
                        pairs[(src, dst)].add((dst_column, src_column))
        return pairs

    def _link(self, src: int, dst: int, columns: set[tuple[str, str]]) -> How | None:
        """How equalities of `columns` ((dst column, src column) pairs) carry scope from `src` to `dst`:
        their tenant keys equated, or every column of a foreign key between them, either way round."""
        src_table, dst_table = _table(self.statement.ref(src)), _table(self.statement.ref(dst))
        src_key, dst_key = self.keys.get(src), self.keys.get(dst)
        if src_key is not None and dst_key is not None and (dst_key, src_key) in columns:
            return "tenant_join"
        for fk in self.schema.foreign_keys:
            pairs = list(zip(fk.columns, fk.parent_columns))
            if fk.child == dst_table and fk.parent == src_table and all(pair in columns for pair in pairs):
                return "foreign_key"
            if fk.child == src_table and fk.parent == dst_table and all((p, c) in columns for c, p in pairs):
                return "foreign_key"
        return None

    def _through(self, predicate: Predicate, found: dict[int, tuple[How, int | None]]) -> tuple[How, int] | None:
        """Scope for `predicate`'s reference from the value it is compared with, when every table column
        that supplies the value belongs to a scoped reference and is linked to the compared column.

        The reference itself is not needed among the sources: a recursive CTE that walks a tree from
        scoped rows by a foreign key stays in their tenant.
        """
        assert predicate.origin is not None
        sources = _sources(self.statement, predicate.origin, set())
        if sources is None:
            return None
        sources = [s for s in sources if s[0] != predicate.ref]
        if not sources or any(ref not in found for ref, _ in sources):
            return None
        hows = [self._link(ref, predicate.ref, {(predicate.column, column)}) for ref, column in sources]
        if any(how is None for how in hows):
            return None
        return hows[0], sources[0][0]  # type: ignore[return-value]

    # Verdicts ------------------------------------------------------------------------------------

    def _describe(self, ref: TableRef, found: dict[int, tuple[How, int | None]]) -> RefScope:
        """The scope of `ref`: how it is scoped, or the most telling reason it is not."""
        root = self._is_root(ref.id)
        if ref.id in found:
            how, via = found[ref.id]
            return RefScope(ref, root, True, how, self.statement.ref(via) if via is not None else None)
        own = [p for block, p in self.on_key if p.ref == ref.id and self._own(block, p)]
        if ref.id in self.leaking:
            return RefScope(ref, root, False, "neq")
        if any(p.op in PINS and not p.top_level for p in own):
            return RefScope(ref, root, False, "or")
        kept = self._kept_by_outer_join(ref.id, found)
        if kept is not None:
            return RefScope(ref, root, False, "outer_join", self.statement.ref(kept))
        if any(p.ref == ref.id for _, p in self.on_key):
            return RefScope(ref, root, False, "unproven")
        return RefScope(ref, root, False, "missing")

    def _kept_by_outer_join(self, ref_id: int, found: dict[int, tuple[How, int | None]]) -> int | None:
        """A scoped reference that would scope `ref_id` but for an outer join that preserves `ref_id`."""
        for block in self.statement.blocks:
            for key in block.joins:
                if ref_id not in key.preserved:
                    continue
                other, column, own = ((key.right_ref, key.right_column, key.left_column) if key.left_ref == ref_id
                                      else (key.left_ref, key.left_column, key.right_column))
                if other in found and self._link(other, ref_id, {(own, column)}) is not None:
                    return other
        return None


def _table(ref: TableRef) -> TableName:
    """The (schema, table) a reference names."""
    return (ref.schema, ref.table)


def _sources(statement: Statement, origin: Origin, seen: set[tuple[int, str | None]]) -> list[Source] | None:
    """The table columns that supply output `origin.column` of block `origin.block` (every branch of a set
    operation); None when one of them is not a plain table column or cannot be told. A block already on
    the way (a recursive CTE naming itself) adds nothing."""
    if (origin.block, origin.column) in seen:
        return []
    seen = seen | {(origin.block, origin.column)}
    branches = _branches(statement, origin.block)
    if branches:
        position = _position(statement, branches[0].id, origin.column)
        if position is None:
            return None
        return _concat(_sources_at(statement, branch.id, position, seen) for branch in branches)
    outputs = statement.block(origin.block).outputs
    if origin.column is None:
        return _source(statement, outputs[0], None, seen) if len(outputs) == 1 else None
    named = [o for o in outputs if o.name == origin.column]
    if named:
        return _source(statement, named[0], origin.column, seen)
    stars = [o for o in outputs if o.name is None]
    return _source(statement, stars[0], origin.column, seen) if len(stars) == 1 else None


def _source(statement: Statement, output: Output, column: str | None,
            seen: set[tuple[int, str | None]]) -> list[Source] | None:
    """The table columns behind one output: itself when it is a table's column, through its CTE or derived
    table otherwise; a ``*`` output supplies `column` of what it stands for."""
    if output.name is None:  # * or t.*
        if output.ref is not None:
            return [(output.ref, column)] if column is not None else None
        return _sources(statement, Origin(output.origin.block, column), seen) if output.origin else None
    if output.ref is not None and output.column is not None:
        return [(output.ref, output.column)]
    return _sources(statement, output.origin, seen) if output.origin is not None else None


def _sources_at(statement: Statement, block_id: int, position: int,
                seen: set[tuple[int, str | None]]) -> list[Source] | None:
    """The table columns behind output `position` of a set-operation branch."""
    branches = _branches(statement, block_id)
    if branches:
        return _concat(_sources_at(statement, branch.id, position, seen) for branch in branches)
    outputs = statement.block(block_id).outputs
    if position >= len(outputs) or any(o.name is None for o in outputs[:position + 1]):
        return None
    return _source(statement, outputs[position], outputs[position].name, seen)


def _position(statement: Statement, block_id: int, column: str | None) -> int | None:
    """Where output `column` (None: the first) sits in a set operation's first branch; None when a ``*``
    hides it."""
    if column is None:
        return 0
    branches = _branches(statement, block_id)
    if branches:
        return _position(statement, branches[0].id, column)
    for index, output in enumerate(statement.block(block_id).outputs):
        if output.name is None:
            return None
        if output.name == column:
            return index
    return None


def _branches(statement: Statement, block_id: int) -> list[Block]:
    """The branches of the set operation block `block_id` is (none when it is a plain query)."""
    return [b for b in statement.blocks if b.parent == block_id and b.context == "set_branch"]


def _concat(parts: Iterable[list[Source] | None]) -> list[Source] | None:
    """All sources of several parts; None when any part cannot be told."""
    found: list[Source] = []
    for part in parts:
        if part is None:
            return None
        found.extend(part)
    return found
