"""From a pglast parse tree to the statement model: table references, query levels and their facts.

The builder walks each query level once, in the order PostgreSQL resolves names: WITH, FROM,
then the conditions, ORDER BY, LIMIT and OFFSET, then the subqueries written inside
expressions (found by `TreeFacts`). Column references resolve through a chain of scopes, so a
correlated subquery's condition lands on the outer table it names.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Iterator

from pglast import ast
from pglast.enums import CTEMaterialize, JoinType, MergeMatchKind, SetOperation, SortByDir, SortByNulls

from pgdiag.sql.conditions import ConditionBuilder, uncast
from pgdiag.sql.facts import TreeFacts
from pgdiag.sql.model import (
    Block,
    Bound,
    Context,
    OrderKey,
    Origin,
    Output,
    Role,
    SetOp,
    TableRef,
)
from pgdiag.sql.outputs import output_columns, renamed
from pgdiag.sql.scope import (
    Column,
    ColumnLookup,
    Cte,
    CteColumns,
    PendingBlock,
    Relation,
    Scope,
    preserve,
    qualified,
)

__all__ = ["Builder", "ColumnLookup", "uncast"]

SET_OPS: dict[tuple[SetOperation, bool], SetOp] = {
    (SetOperation.SETOP_UNION, False): "union", (SetOperation.SETOP_UNION, True): "union_all",
    (SetOperation.SETOP_INTERSECT, False): "intersect", (SetOperation.SETOP_INTERSECT, True): "intersect_all",
    (SetOperation.SETOP_EXCEPT, False): "except", (SetOperation.SETOP_EXCEPT, True): "except_all",
}


class Builder(ConditionBuilder):
    """Builds the blocks and table references of one statement."""

    def __init__(self, facts: TreeFacts, search_path: tuple[str, ...], columns: ColumnLookup | None) -> None:
        self.facts = facts
        self.search_path = search_path
        self.lookup = columns
        self.blocks: list[PendingBlock] = []
        self.refs: list[TableRef] = []
        self.writes_data = False
        self.link_blocks: dict[int, int] = {}  # id() of a SubLink → the block of its subquery

    def frozen_blocks(self) -> tuple[Block, ...]:
        """The finished blocks, in id order; a predicate on a subquery gets the subquery's block as origin."""
        for block in self.blocks:
            for index, link in block.links:
                block.predicates[index] = replace(block.predicates[index], origin=Origin(self.link_blocks[link], None))
        return tuple(Block(id=b.id, parent=b.parent, context=b.context, cte_name=b.cte_name, set_op=b.set_op,
                           predicates=tuple(b.predicates), joins=tuple(b.joins), order_by=b.order_by,
                           limit=b.limit, offset=b.offset, grouped=b.grouped, distinct=b.distinct,
                           outputs=b.outputs)
                     for b in self.blocks)

    # Query levels ---------------------------------------------------------------------------

    def query(self, node: ast.Node, parent: int | None, context: Context, outer: Scope | None,
              ctes: CteColumns, cte_name: str | None = None, set_op: SetOp | None = None) -> int:
        """Add the block for `node` (and everything below it); return its id."""
        block = PendingBlock(len(self.blocks), parent, context, cte_name, set_op)
        self.blocks.append(block)
        scope = Scope(parent=outer)
        ctes = self._with(node, block, outer, ctes)
        if isinstance(node, ast.SelectStmt):
            self._select(node, block, scope, ctes)
        elif isinstance(node, ast.InsertStmt):
            self._insert(node, block, scope, ctes)
        elif isinstance(node, ast.UpdateStmt):
            self._target(node.relation, block, scope, "update_target")
            self._from(node.fromClause, block, scope, ctes)
            self._condition(node.whereClause, block, scope, "where")
        elif isinstance(node, ast.DeleteStmt):
            self._target(node.relation, block, scope, "delete_target")
            self._from(node.usingClause, block, scope, ctes)
            self._condition(node.whereClause, block, scope, "where")
        elif isinstance(node, ast.MergeStmt):
            self._merge(node, block, scope, ctes)
        if isinstance(node, (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt)):
            self.writes_data = True
            returning = node.returningClause
            if returning is not None:
                block.outputs = self._outputs(returning.exprs or (), scope)
        for nested in self.facts.nested_in(node):
            self.link_blocks[id(nested.link)] = self.query(nested.link.subselect, block.id, nested.context, scope, ctes)
        return block.id

    def _with(self, node: ast.Node, block: PendingBlock, outer: Scope | None,
              ctes: CteColumns) -> CteColumns:
        """Add a block per CTE of `node`'s WITH; return the CTE names visible in `node`'s body."""
        clause = getattr(node, "withClause", None)
        if clause is None:
            return ctes
        visible = dict(ctes)
        for cte in clause.ctes:
            names = tuple(n.sval for n in cte.aliascolnames or ())
            body = output_columns(cte.ctequery)
            renames = dict(zip(names, body)) if body is not None else {}
            if clause.recursive:  # a recursive CTE's body sees its own name
                visible[cte.ctename] = Cte(names or None, len(self.blocks), renames)
            body_block = self.query(cte.ctequery, block.id, "cte", outer, dict(visible), cte_name=cte.ctename)
            self.blocks[body_block].fence = (bool(clause.recursive) or not isinstance(cte.ctequery, ast.SelectStmt)
                                             or cte.ctematerialized == CTEMaterialize.CTEMaterializeAlways
                                             or (cte.ctematerialized != CTEMaterialize.CTEMaterializeNever
                                                 and _mentions(node, cte.ctename) > 1))
            columns = names + body[len(names):] if body is not None else (names or None)
            visible[cte.ctename] = Cte(columns, body_block, renames)
        return visible

    def _select(self, node: ast.SelectStmt, block: PendingBlock, scope: Scope, ctes: CteColumns) -> None:
        """A SELECT: its FROM and WHERE, or the branches of its set operation; then sort and bounds."""
        if node.op != SetOperation.SETOP_NONE:
            op = SET_OPS[(node.op, bool(node.all))]
            for branch in _branches(node, node.op, bool(node.all)):
                self.query(branch, block.id, "set_branch", scope.parent, ctes, set_op=op)
        else:
            self._from(node.fromClause, block, scope, ctes)
            self._condition(node.whereClause, block, scope, "where")
            block.grouped = bool(node.groupClause) or id(node) in self.facts.aggregating
            block.distinct = node.distinctClause is not None
            block.outputs = self._outputs(node.targetList or (), scope)
        if node.op == SetOperation.SETOP_NONE:
            keys_scope, targets = scope, node.targetList or ()
        else:  # a set operation sorts its output, not a table's column
            keys_scope, targets = Scope(), ()
        block.order_by = tuple(self._order_key(key, keys_scope, targets) for key in node.sortClause or ())
        block.limit = _bound(node.limitCount)
        block.offset = _bound(node.limitOffset)

    def _insert(self, node: ast.InsertStmt, block: PendingBlock, scope: Scope, ctes: CteColumns) -> None:
        """An INSERT: its target, and the query that supplies its rows as a child block (an empty one
        for DEFAULT VALUES, so every INSERT has the same shape)."""
        self._target(node.relation, block, scope, "insert_target")
        if node.selectStmt is not None:
            self.query(node.selectStmt, block.id, "insert_select", scope.parent, ctes)
        else:
            self.blocks.append(PendingBlock(len(self.blocks), block.id, "insert_select", None, None))

    def _merge(self, node: ast.MergeStmt, block: PendingBlock, scope: Scope, ctes: CteColumns) -> None:
        """A MERGE: its target joined to its source by the ON condition.

        PostgreSQL runs the join as an outer join when a WHEN NOT MATCHED clause needs the
        unmatched rows of a side: that side is preserved, and its predicates in ON do not filter it.
        """
        target = [self._target(node.relation, block, scope, "merge_target")]
        source = self._from_item(node.sourceRelation, block, scope, ctes)
        kinds = {clause.matchKind for clause in node.mergeWhenClauses or ()}
        source_kept = MergeMatchKind.MERGE_WHEN_NOT_MATCHED_BY_TARGET in kinds
        target_kept = MergeMatchKind.MERGE_WHEN_NOT_MATCHED_BY_SOURCE in kinds
        nullable = None if not (source_kept or target_kept) else \
            (target if not target_kept else []) + (source if not source_kept else [])
        self._condition(node.joinCondition, block, scope, "join_on", restricted=_ref_ids(nullable))

    def _target(self, relation: ast.RangeVar, block: PendingBlock, scope: Scope, role: Role) -> Relation:
        """The table a DML statement writes: always a real table, as CTE names do not hide tables there."""
        return self._range_var(relation, block, scope, {}, role)

    # FROM -----------------------------------------------------------------------------------

    def _from(self, items: tuple[ast.Node, ...] | None, block: PendingBlock, scope: Scope,
              ctes: CteColumns) -> None:
        """Every item of a FROM (or USING) list, joins included."""
        for item in items or ():
            self._from_item(item, block, scope, ctes)

    def _from_item(self, item: ast.Node, block: PendingBlock, scope: Scope, ctes: CteColumns) -> list[Relation]:
        """One FROM item; return the relations it makes visible (for JOIN … USING)."""
        if isinstance(item, ast.RangeVar):
            return [self._range_var(item, block, scope, ctes, "read")]
        if isinstance(item, ast.RangeTableSample):
            return self._from_item(item.relation, block, scope, ctes)
        if isinstance(item, ast.JoinExpr):
            return self._join(item, block, scope, ctes)
        if isinstance(item, ast.RangeSubselect):
            subquery = self.query(item.subquery, block.id, "from_subquery", scope, ctes)
            body = output_columns(item.subquery)
            aliases = tuple(n.sval for n in item.alias.colnames or ()) if item.alias else ()
            relation = Relation(item.alias.aliasname if item.alias else "", None, None, renamed(body, item.alias),
                                block=subquery, renames=dict(zip(aliases, body)) if body is not None else {})
        else:  # functions, XMLTABLE, JSON_TABLE: rows that come from no table
            alias = getattr(item, "alias", None)
            relation = Relation(alias.aliasname if alias else "", None, None, renamed(None, alias))
        scope.relations.append(relation)
        return [relation]

    def _range_var(self, node: ast.RangeVar, block: PendingBlock, scope: Scope, ctes: CteColumns,
                   role: Role) -> Relation:
        """A named relation: a CTE when the name is one in scope, else a real table reference."""
        alias = node.alias.aliasname if node.alias else None
        if node.schemaname is None and node.relname in ctes:
            cte = ctes[node.relname]
            relation = Relation(alias or node.relname, None, None, renamed(cte.columns, node.alias), block=cte.block,
                                renames=cte.renames)
        else:
            schema = node.schemaname or self._resolve_schema(node.relname)
            ref = TableRef(id=len(self.refs), schema=schema, table=node.relname, alias=alias, block=block.id,
                           role=role)
            self.refs.append(ref)
            known = self.lookup(schema, node.relname) if self.lookup is not None and schema is not None else None
            relation = Relation(alias or node.relname, schema if alias is None else None, ref, known)
        scope.relations.append(relation)
        return relation

    def _resolve_schema(self, table: str) -> str | None:
        """The first schema of the search path that has `table`; the path's first schema when none is known."""
        if self.lookup is not None:
            for schema in self.search_path:
                if self.lookup(schema, table) is not None:
                    return schema
        return self.search_path[0] if self.search_path else None

    def _join(self, node: ast.JoinExpr, block: PendingBlock, scope: Scope, ctes: CteColumns) -> list[Relation]:
        """A JOIN: both sides, then its ON or USING keys."""
        left = self._from_item(node.larg, block, scope, ctes)
        right = self._from_item(node.rarg, block, scope, ctes)
        # The side an outer join null-extends; a FULL JOIN preserves both, so its ON filters neither.
        restricted = _ref_ids({JoinType.JOIN_LEFT: right, JoinType.JOIN_RIGHT: left, JoinType.JOIN_FULL: []}.get(
            node.jointype))
        before = len(block.joins)
        for name in (n.sval for n in node.usingClause or ()):
            # The leftmost candidate: after ``a JOIN b USING (id)``, ``id`` is a's (PostgreSQL's merged column).
            lhs = next((r for r in left if r.columns is None or name in r.columns), None)
            rhs = next((r for r in right if r.columns is None or name in r.columns), None)
            if lhs is not None and rhs is not None:
                self._compare(Column(lhs.ref, name, lhs.origin(name)), Column(rhs.ref, name, rhs.origin(name)), "=",
                              block, True, "join_on")
        preserve(block, before, restricted)
        if node.quals is not None:
            self._condition(node.quals, block, scope, "join_on", restricted=restricted)
        return left + right

    def _outputs(self, targets: Iterable[ast.ResTarget], scope: Scope) -> tuple[Output, ...]:
        """What each select-list (or RETURNING) entry hands on: a table's column, a CTE's or derived
        table's column, every column of a relation (``*``, ``t.*``), or an expression."""
        outputs: list[Output] = []
        for target in targets:
            value = uncast(target.val)
            if _is_star(value):
                qualifier = [f.sval for f in value.fields[:-1]]
                relations = [qualified(scope.relations, qualifier)] if qualifier else scope.relations
                outputs.extend(Output(None, r.ref.id if r.ref else None, None, r.origin(None))
                               for r in relations if r is not None)
                continue
            column = self._column(value, scope)
            ref = column.ref if column is not None else None
            outputs.append(Output(_output_name(target), ref.id if ref else None,
                                  column.name if column is not None and ref is not None else None,
                                  column.origin if column is not None else None))
        return tuple(outputs)

    def _order_key(self, key: ast.SortBy, scope: Scope, targets: tuple[ast.ResTarget, ...]) -> OrderKey:
        """One ORDER BY key; a key that is not a plain table column keeps only its direction.

        As in PostgreSQL, ``ORDER BY 2`` and a bare name of an output column sort by that select-list
        entry (``SELECT "createdAt" AS c … ORDER BY c`` sorts by "createdAt"), before FROM columns.
        """
        found = {(c.ref.id, c.name) if c is not None and c.ref is not None else None
                 for c in (self._column(node, scope) for node in _sort_expressions(key.node, targets))}
        column = found.pop() if len(found) == 1 else None
        nulls = {SortByNulls.SORTBY_NULLS_FIRST: "first", SortByNulls.SORTBY_NULLS_LAST: "last"}.get(key.sortby_nulls)
        descending = key.sortby_dir == SortByDir.SORTBY_DESC
        if column is None:
            return OrderKey(None, None, descending, nulls)  # type: ignore[arg-type]
        return OrderKey(column[0], column[1], descending, nulls)  # type: ignore[arg-type]


def _ref_ids(relations: list[Relation] | None) -> set[int] | None:
    """The ids of the real table references among `relations`; None stays None (no outer join)."""
    if relations is None:
        return None
    return {r.ref.id for r in relations if r.ref is not None}


def _sort_expressions(node: ast.Node, targets: tuple[ast.ResTarget, ...]) -> list[ast.Node]:
    """What an ORDER BY key sorts by: the select-list entry ``ORDER BY n`` points at (nothing when a
    ``*`` hides the position), the entries a bare name names (output names win over FROM columns),
    else the key itself."""
    node = uncast(node)
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.Integer):
        position = node.val.ival
        if not 0 < position <= len(targets) or any(_is_star(t.val) for t in targets[:position]):
            return []
        return [targets[position - 1].val]
    if isinstance(node, ast.ColumnRef) and len(node.fields) == 1 and isinstance(node.fields[0], ast.String):
        named = [t.val for t in targets if _output_name(t) == node.fields[0].sval]
        if named:
            return named
    return [node]


def _is_star(node: ast.Node | None) -> bool:
    """Whether a select-list entry is ``*`` or ``t.*``."""
    return isinstance(node, ast.ColumnRef) and isinstance(node.fields[-1], ast.A_Star)


def _output_name(target: ast.ResTarget) -> str | None:
    """The name PostgreSQL gives a select-list entry: its alias, else its column's or function's name."""
    if target.name:
        return target.name
    value = uncast(target.val)
    if isinstance(value, ast.ColumnRef) and isinstance(value.fields[-1], ast.String):
        return value.fields[-1].sval
    if isinstance(value, ast.FuncCall):
        return value.funcname[-1].sval
    return None


def _branches(node: ast.SelectStmt, op: SetOperation, all_: bool) -> Iterator[ast.Node]:
    """The operands of a chain of the same set operation (``a UNION b UNION c`` gives three), left to
    right; a chain of thousands of branches is a tree as deep, so it is walked with a stack."""
    pending = [node.rarg, node.larg]
    while pending:
        side = pending.pop()
        if isinstance(side, ast.SelectStmt) and side.op == op and bool(side.all) == all_ \
                and not side.sortClause and side.limitCount is None and side.limitOffset is None \
                and side.withClause is None:
            pending += (side.rarg, side.larg)
        else:
            yield side


def _mentions(node: object, name: str) -> int:
    """How many times a tree reads relation `name` unqualified (a CTE read twice is planned once, on its own)."""
    if isinstance(node, ast.RangeVar):
        return int(node.schemaname is None and node.relname == name)
    if isinstance(node, ast.Node):
        return sum(_mentions(getattr(node, member), name) for member in node)
    if isinstance(node, tuple):
        return sum(_mentions(item, name) for item in node)
    return 0


def _bound(node: ast.Node | None) -> Bound | None:
    """A LIMIT or OFFSET value; None when absent or ``LIMIT ALL``/``NULL``."""
    node = uncast(node)
    if node is None or (isinstance(node, ast.A_Const) and node.isnull):
        return None
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.Integer):
        return Bound(value=node.val.ival, param=None)
    if isinstance(node, ast.ParamRef):
        return Bound(value=None, param=node.number)
    return Bound(value=None, param=None)
