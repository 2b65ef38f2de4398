"""From a pglast parse tree to the statement model: table references, query levels and their facts.

The builder walks each query level once, in the order PostgreSQL resolves names: WITH, FROM,
then the conditions, ORDER BY, LIMIT and OFFSET, then the subqueries written inside
expressions (found by `TreeFacts`). Column references resolve through a chain of scopes, so a
correlated subquery's condition lands on the outer table it names.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Collection, Iterable, Iterator

from pglast import ast
from pglast.enums import (A_Expr_Kind, BoolExprType, JoinType, MergeMatchKind, NullTestType, SetOperation, SortByDir,
                          SortByNulls, SubLinkType)

from pgdiag.sql.facts import TreeFacts
from pgdiag.sql.model import (Block, Bound, ConditionSource, Context, JoinKey, Op, OrderKey, Origin, Output, Predicate,
                              Role, SetOp, TableRef, ValueKind)
from pgdiag.sql.outputs import Columns, output_columns, renamed


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

RANGE_OPS = frozenset({"<", ">", "<=", ">="})
NEGATED_OPS = frozenset({"<>", "!="})
RANGE_KINDS = (A_Expr_Kind.AEXPR_BETWEEN, A_Expr_Kind.AEXPR_BETWEEN_SYM)
NOT_RANGE_KINDS = (A_Expr_Kind.AEXPR_NOT_BETWEEN, A_Expr_Kind.AEXPR_NOT_BETWEEN_SYM)
LIKE_KINDS = (A_Expr_Kind.AEXPR_LIKE, A_Expr_Kind.AEXPR_ILIKE)
LIKE = "~~"  # the operator of LIKE; ILIKE (~~*) folds case, so no btree range serves its prefix
SET_OPS: dict[tuple[SetOperation, bool], SetOp] = {
    (SetOperation.SETOP_UNION, False): "union", (SetOperation.SETOP_UNION, True): "union_all",
    (SetOperation.SETOP_INTERSECT, False): "intersect", (SetOperation.SETOP_INTERSECT, True): "intersect_all",
    (SetOperation.SETOP_EXCEPT, False): "except", (SetOperation.SETOP_EXCEPT, True): "except_all",
}


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
class _Pending:
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


class Builder:
    """Builds the blocks and table references of one statement."""

    def __init__(self, facts: TreeFacts, search_path: tuple[str, ...], columns: ColumnLookup | None) -> None:
        self.facts = facts
        self.search_path = search_path
        self.lookup = columns
        self.blocks: list[_Pending] = []
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
        block = _Pending(len(self.blocks), parent, context, cte_name, set_op)
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

    def _with(self, node: ast.Node, block: _Pending, outer: Scope | None,
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
            columns = names + body[len(names):] if body is not None else (names or None)
            visible[cte.ctename] = Cte(columns, body_block, renames)
        return visible

    def _select(self, node: ast.SelectStmt, block: _Pending, scope: Scope, ctes: CteColumns) -> None:
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

    def _insert(self, node: ast.InsertStmt, block: _Pending, scope: Scope, ctes: CteColumns) -> None:
        """An INSERT: its target, and the query that supplies its rows as a child block (an empty one
        for DEFAULT VALUES, so every INSERT has the same shape)."""
        self._target(node.relation, block, scope, "insert_target")
        if node.selectStmt is not None:
            self.query(node.selectStmt, block.id, "insert_select", scope.parent, ctes)
        else:
            self.blocks.append(_Pending(len(self.blocks), block.id, "insert_select", None, None))

    def _merge(self, node: ast.MergeStmt, block: _Pending, scope: Scope, ctes: CteColumns) -> None:
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

    def _target(self, relation: ast.RangeVar, block: _Pending, scope: Scope, role: Role) -> Relation:
        """The table a DML statement writes: always a real table, as CTE names do not hide tables there."""
        return self._range_var(relation, block, scope, {}, role)

    # FROM -----------------------------------------------------------------------------------

    def _from(self, items: tuple[ast.Node, ...] | None, block: _Pending, scope: Scope,
              ctes: CteColumns) -> None:
        """Every item of a FROM (or USING) list, joins included."""
        for item in items or ():
            self._from_item(item, block, scope, ctes)

    def _from_item(self, item: ast.Node, block: _Pending, scope: Scope, ctes: CteColumns) -> list[Relation]:
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

    def _range_var(self, node: ast.RangeVar, block: _Pending, scope: Scope, ctes: CteColumns,
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
            relation = Relation(alias or node.relname, schema if alias is None else None, ref,
                                frozenset(known) if known is not None else None)
        scope.relations.append(relation)
        return relation

    def _resolve_schema(self, table: str) -> str | None:
        """The first schema of the search path that has `table`; the path's first schema when none is known."""
        if self.lookup is not None:
            for schema in self.search_path:
                if self.lookup(schema, table) is not None:
                    return schema
        return self.search_path[0] if self.search_path else None

    def _join(self, node: ast.JoinExpr, block: _Pending, scope: Scope, ctes: CteColumns) -> list[Relation]:
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
        _preserve(block, before, restricted)
        if node.quals is not None:
            self._condition(node.quals, block, scope, "join_on", restricted=restricted)
        return left + right

    # Conditions -----------------------------------------------------------------------------

    def _condition(self, expr: ast.Node | None, block: _Pending, scope: Scope, source: ConditionSource,
                   restricted: set[int] | None = None) -> None:
        """File the conjuncts of a WHERE or ON as predicates and join keys.

        Conjuncts reached only through AND are top-level. In an outer join's ON, `restricted`
        holds the ids of the references whose rows the condition restricts (the nullable side, none
        for a FULL JOIN): a predicate on another reference there does not filter that reference's rows.
        """
        for atom, top in _atoms(expr, True):
            self._atom(atom, block, scope, source, top, restricted)

    def _atom(self, node: ast.Node, block: _Pending, scope: Scope, source: ConditionSource, top: bool,
              restricted: set[int] | None) -> None:
        """One condition that is not AND/OR/NOT (``NOT (x IN (SELECT …))``, i.e. NOT IN, counts as one)."""
        before, joins_before = len(block.predicates), len(block.joins)
        if isinstance(node, ast.A_Expr):
            self._a_expr(node, block, scope, source, top)
        elif isinstance(node, ast.NullTest):
            column = self._table_column(node.arg, scope)
            if column is not None:
                op: Op = "is_null" if node.nulltesttype == NullTestType.IS_NULL else "is_not_null"
                self._predicate(block, column, op, "const", (), top, source)
        elif isinstance(node, ast.SubLink) and node.subLinkType in (SubLinkType.ANY_SUBLINK, SubLinkType.ALL_SUBLINK):
            column = self._table_column(node.testexpr, scope)
            if column is not None:
                name = node.operName[-1].sval if node.operName else "="  # plain IN has no operator name
                self._predicate(block, column, _quantified_op(name, node.subLinkType == SubLinkType.ANY_SUBLINK),
                                "subquery", (), top, source, link=node)
        elif _is_not_in_subquery(node):
            column = self._table_column(node.args[0].testexpr, scope)
            if column is not None:
                self._predicate(block, column, "neq", "subquery", (), top, source, link=node.args[0])
        elif isinstance(node, ast.ColumnRef):  # a boolean column on its own: WHERE "isActive"
            column = self._table_column(node, scope)
            if column is not None:
                self._predicate(block, column, "eq", "const", (), top, source)
        if restricted is not None:  # outer join ON: only the nullable side's own predicates filter it
            block.predicates[before:] = [p if p.ref in restricted else _replace_top(p, False)
                                         for p in block.predicates[before:]]
        _preserve(block, joins_before, restricted)

    def _a_expr(self, node: ast.A_Expr, block: _Pending, scope: Scope, source: ConditionSource, top: bool) -> None:
        """An operator expression: comparison, IN, = ANY, BETWEEN, LIKE, IS [NOT] DISTINCT FROM."""
        name = node.name[-1].sval if node.name else ""
        kind = node.kind
        if kind == A_Expr_Kind.AEXPR_OP:
            self._operator(node.lexpr, node.rexpr, name, block, scope, source, top)
        elif kind == A_Expr_Kind.AEXPR_OP_ANY or kind == A_Expr_Kind.AEXPR_OP_ALL:
            column = self._table_column(node.lexpr, scope)
            if column is not None:
                value, params = self._value(node.rexpr, scope)
                op = _quantified_op(name, kind == A_Expr_Kind.AEXPR_OP_ANY)
                self._predicate(block, column, "any" if op == "in" else op, value, params, top, source)
        elif kind == A_Expr_Kind.AEXPR_IN:
            self._in(node, name in NEGATED_OPS, block, scope, source, top)
        elif kind in RANGE_KINDS or kind in NOT_RANGE_KINDS:
            column = self._table_column(node.lexpr, scope)
            if column is not None:  # NOT BETWEEN is two open ranges OR-ed: no single range
                value, params = self._values(node.rexpr, scope)
                self._predicate(block, column, "range" if kind in RANGE_KINDS else "other", value, params, top,
                                source)
        elif kind in LIKE_KINDS:
            column = self._table_column(node.lexpr, scope)
            if column is not None:
                pattern = _string(node.rexpr)
                prefix = name == LIKE and pattern is not None and pattern[:1] not in ("%", "_", "")
                value, params = self._value(node.rexpr, scope)
                self._predicate(block, column, "like_prefix" if prefix else "other", value, params, top, source)
        elif kind == A_Expr_Kind.AEXPR_DISTINCT:
            self._binary(node.lexpr, node.rexpr, "<>", block, scope, source, top)
        elif kind == A_Expr_Kind.AEXPR_NOT_DISTINCT:  # null-safe equality: no index or hash join serves it
            self._binary(node.lexpr, node.rexpr, "IS NOT DISTINCT FROM", block, scope, source, top)

    def _operator(self, left: ast.Node | None, right: ast.Node | None, name: str, block: _Pending, scope: Scope,
                  source: ConditionSource, top: bool) -> None:
        """A binary operator; a row comparison is taken apart the way PostgreSQL reads it.

        ``(a, b) = (x, y)`` is ``a = x AND b = y``; ``(a, b) <> (x, y)`` is ``a <> x OR b <> y``; an
        ordering comparison ``(a, b) > (x, y)`` bounds its leading column only.
        """
        if isinstance(left, ast.RowExpr) and isinstance(right, ast.RowExpr) and (name == "=" or name in NEGATED_OPS):
            pairs = list(zip(left.args or (), right.args or ()))
            for lhs, rhs in pairs:
                self._binary(lhs, rhs, name, block, scope, source, top and (name == "=" or len(pairs) == 1))
            return
        self._binary(_row_head(left), _row_head(right), name, block, scope, source, top)

    def _in(self, node: ast.A_Expr, negated: bool, block: _Pending, scope: Scope, source: ConditionSource,
            top: bool) -> None:
        """``col IN (…)`` or ``col NOT IN (…)``; a row ``(a, b) IN ((x, y), …)`` (how Prisma looks up
        compound keys) bounds each of its columns by the values in its position."""
        if isinstance(node.lexpr, ast.RowExpr):
            rows = [v.args if isinstance(v, ast.RowExpr) else None for v in node.rexpr]
            if any(row is None or len(row) != len(node.lexpr.args) for row in rows):
                return
            lists = [(element, [row[i] for row in rows]) for i, element in enumerate(node.lexpr.args)]
        else:
            lists = [(node.lexpr, list(node.rexpr))]
        for element, values in lists:
            column = self._table_column(element, scope)
            if column is not None:  # (a, b) NOT IN (…) excludes pairs: no one column is restricted
                value, params = self._values(values, scope)
                self._predicate(block, column, "neq" if negated else "in", value, params,
                                top and not (negated and len(lists) > 1), source)

    def _binary(self, left: ast.Node | None, right: ast.Node | None, name: str, block: _Pending, scope: Scope,
                source: ConditionSource, top: bool) -> None:
        """`left op right`: a join key when both sides are columns of tables, else a predicate column first."""
        lhs, rhs = self._column(left, scope), self._column(right, scope)
        if lhs is not None and rhs is not None:
            self._compare(lhs, rhs, name, block, top, source)
            return
        if lhs is None and rhs is not None:
            lhs, left, right = rhs, right, left
        if lhs is None or lhs.ref is None:
            return
        value, params = self._value(right, scope)
        link = uncast(right)
        self._predicate(block, lhs, _op(name), value, params, top, source,
                        link=link if isinstance(link, ast.SubLink) else None,
                        column_cast=isinstance(left, ast.TypeCast))

    def _compare(self, lhs: Column, rhs: Column, name: str, block: _Pending, top: bool,
                 source: ConditionSource) -> None:
        """Two columns compared: equality of two different table references is a join key."""
        if lhs.ref is not None and rhs.ref is not None:
            if name == "=" and lhs.ref.id != rhs.ref.id:
                block.joins.append(JoinKey(lhs.ref.id, lhs.name, rhs.ref.id, rhs.name, top, source))
            return
        for column, other in ((lhs, rhs), (rhs, lhs)):  # a CTE's or derived table's column: a value for the other
            if column.ref is not None:
                self._predicate(block, column, _op(name), "column", (), top, source, origin=other.origin)

    def _predicate(self, block: _Pending, column: Column, op: Op, value: ValueKind, params: tuple[int, ...],
                   top: bool, source: ConditionSource, origin: Origin | None = None,
                   link: ast.SubLink | None = None, column_cast: bool = False) -> None:
        """File a condition on a real table's column; `origin` or `link` (the subquery compared with, whose
        block is known once built) say where its value comes from; `column_cast` that the column is cast."""
        assert column.ref is not None
        if link is not None:
            block.links.append((len(block.predicates), id(link)))
        block.predicates.append(Predicate(column.ref.id, column.name, op, value, params, top, source, origin,
                                          column_cast))

    def _value(self, node: ast.Node | None, scope: Scope) -> tuple[ValueKind, tuple[int, ...]]:
        """What a column is compared with, and the parameters it uses."""
        node = uncast(node)
        if isinstance(node, ast.ParamRef):
            return "param", (node.number,)
        if isinstance(node, ast.A_Const):
            return "const", ()
        if isinstance(node, ast.SubLink):
            return "subquery", ()
        if isinstance(node, ast.ColumnRef) and self._column(node, scope) is not None:
            return "column", ()
        if isinstance(node, ast.A_ArrayExpr):
            value, params = self._values(node.elements or (), scope)
            if value in ("param", "const"):
                return value, params
        return "expr", tuple(_params(node))

    def _values(self, nodes: Iterable[ast.Node], scope: Scope) -> tuple[ValueKind, tuple[int, ...]]:
        """What a list of values is (IN list, BETWEEN bounds, ARRAY[…]): "param" when parameters and
        constants supply it and at least one is a parameter, "const" when only constants do, else the
        one kind all share, else "expr"."""
        values = [self._value(node, scope) for node in nodes]
        kinds = {kind for kind, _ in values}
        params = tuple(p for _, ps in values for p in ps)
        if kinds and kinds <= {"param", "const"}:
            return ("param" if "param" in kinds else "const"), params
        return (kinds.pop() if len(kinds) == 1 else "expr"), params

    def _table_column(self, node: ast.Node | None, scope: Scope) -> Column | None:
        """The column `node` names when it belongs to a real table reference, else None."""
        column = self._column(node, scope)
        return column if column is not None and column.ref is not None else None

    def _column(self, node: ast.Node | None, scope: Scope) -> Column | None:
        """The relation column `node` names, searched innermost scope first; None when it is not a plain
        column or cannot be told."""
        node = uncast(node)
        if not isinstance(node, ast.ColumnRef) or not all(isinstance(f, ast.String) for f in node.fields):
            return None
        names = [f.sval for f in node.fields]
        column, qualifier = names[-1], names[:-1]
        for level in scope.chain():
            if qualifier:
                relation = _qualified(level.relations, qualifier)
                if relation is not None:
                    return Column(relation.ref, column, relation.origin(column))
                continue
            holders = [r for r in level.relations if r.columns is not None and column in r.columns]
            unknown = [r for r in level.relations if r.columns is None]
            if len(holders) == 1 and not unknown:
                return Column(holders[0].ref, column, holders[0].origin(column))
            if len(level.relations) == 1 and (holders or unknown):
                return Column(level.relations[0].ref, column, level.relations[0].origin(column))
            if holders or unknown:
                return None  # ambiguous at this level, or hidden behind a relation of unknown columns
        return None

    def _outputs(self, targets: Iterable[ast.ResTarget], scope: Scope) -> tuple[Output, ...]:
        """What each select-list (or RETURNING) entry hands on: a table's column, a CTE's or derived
        table's column, every column of a relation (``*``, ``t.*``), or an expression."""
        outputs: list[Output] = []
        for target in targets:
            value = uncast(target.val)
            if _is_star(value):
                qualifier = [f.sval for f in value.fields[:-1]]
                relations = [_qualified(scope.relations, qualifier)] if qualifier else scope.relations
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


def _atoms(expr: ast.Node | None, top: bool) -> Iterator[tuple[ast.Node, bool]]:
    """The conditions under AND/OR/NOT, each with whether it is reached through AND alone.

    ``x NOT IN (SELECT …)`` parses as NOT around ``x IN (SELECT …)``; it stays one condition, as
    ``x NOT IN (1, 2)`` is.
    """
    if expr is None:
        return
    if isinstance(expr, ast.BoolExpr) and not _is_not_in_subquery(expr):
        inner = top and expr.boolop == BoolExprType.AND_EXPR
        for arg in expr.args:
            yield from _atoms(arg, inner)
        return
    yield expr, top


def _is_not_in_subquery(node: ast.Node) -> bool:
    """Whether `node` is ``x NOT IN (SELECT …)``: NOT around an IN subquery."""
    if not (isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.NOT_EXPR and len(node.args) == 1):
        return False
    link = node.args[0]
    return isinstance(link, ast.SubLink) and link.subLinkType == SubLinkType.ANY_SUBLINK and \
        (not link.operName or link.operName[-1].sval == "=")


def _quantified_op(name: str, any_: bool) -> Op:
    """The operator class of ``col op ANY (…)`` (`any_`) or ``col op ALL (…)``.

    ``= ANY`` is IN and ``<> ALL`` is NOT IN; ``< ANY`` and ``< ALL`` are still one-sided ranges;
    ``<> ANY`` and ``= ALL`` restrict nothing an index can use.
    """
    if name == "=" and any_:
        return "in"
    if name in NEGATED_OPS and not any_:
        return "neq"
    return "range" if name in RANGE_OPS else "other"


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


def _qualified(relations: list[Relation], qualifier: list[str]) -> Relation | None:
    """The relation a qualified column names: ``alias.col``, ``table.col`` or ``schema.table.col``."""
    name = qualifier[-1]
    schema = qualifier[-2] if len(qualifier) >= 2 else None
    for relation in relations:
        if relation.name == name and (schema is None or relation.schema == schema):
            return relation
    return None


def uncast(node: ast.Node | None) -> ast.Node | None:
    """`node` without the casts around it (``$1::int`` is still the parameter)."""
    while isinstance(node, ast.TypeCast):
        node = node.arg
    return node


def _row_head(node: ast.Node | None) -> ast.Node | None:
    """A row comparison's leading element, the part an index range serves (``(a, b) > ($1, $2)``)."""
    if isinstance(node, ast.RowExpr) and node.args:
        return node.args[0]
    return node


def _op(name: str) -> Op:
    """The model's operator class for a binary operator name."""
    if name == "=":
        return "eq"
    if name in RANGE_OPS:
        return "range"
    if name in NEGATED_OPS:
        return "neq"
    return "other"


def _string(node: ast.Node | None) -> str | None:
    """The text of a string constant, else None."""
    node = uncast(node)
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.String):
        return node.val.sval
    return None


def _params(node: ast.Node | None) -> Iterator[int]:
    """The ``$n`` numbers used anywhere inside an expression."""
    if isinstance(node, ast.ParamRef):
        yield node.number
    elif isinstance(node, ast.Node):
        for member in node:
            yield from _params(getattr(node, member))
    elif isinstance(node, tuple):
        for item in node:
            yield from _params(item)


def _preserve(block: _Pending, start: int, restricted: set[int] | None) -> None:
    """Mark, on the join keys filed from `start` on, the references an outer join's ON does not
    restrict (those not in `restricted`; None: an inner join, which restricts both)."""
    if restricted is None:
        return
    block.joins[start:] = [replace(j, preserved=tuple(r for r in (j.left_ref, j.right_ref) if r not in restricted))
                           for j in block.joins[start:]]


def _replace_top(predicate: Predicate, top: bool) -> Predicate:
    """`predicate` with `top_level` set."""
    return Predicate(predicate.ref, predicate.column, predicate.op, predicate.value, predicate.params, top,
                     predicate.source)


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
