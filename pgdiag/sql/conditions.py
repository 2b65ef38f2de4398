"""Conditions of a query level (WHERE, ON, USING) filed as predicates and join keys of the statement model.

`ConditionBuilder` is the part of the builder that reads expressions: comparisons, IN and ANY, BETWEEN,
LIKE, IS NULL, row comparisons and subqueries compared with a column. Columns resolve through the
scopes of `pgdiag.sql.scope`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Iterator

from pglast import ast
from pglast.enums import A_Expr_Kind, BoolExprType, NullTestType, SubLinkType

from pgdiag.sql.model import ConditionSource, JoinKey, Op, Origin, Predicate, TableRef, ValueKind
from pgdiag.sql.scope import Column, PendingBlock, Scope, preserve, qualified

RANGE_OPS = frozenset({"<", ">", "<=", ">="})
NEGATED_OPS = frozenset({"<>", "!="})
RANGE_KINDS = (A_Expr_Kind.AEXPR_BETWEEN, A_Expr_Kind.AEXPR_BETWEEN_SYM)
NOT_RANGE_KINDS = (A_Expr_Kind.AEXPR_NOT_BETWEEN, A_Expr_Kind.AEXPR_NOT_BETWEEN_SYM)
LIKE_KINDS = (A_Expr_Kind.AEXPR_LIKE, A_Expr_Kind.AEXPR_ILIKE)
MAX_PUSH_DEPTH = 32  # nested CTEs and derived tables a condition is followed through
LIKE = "~~"  # the operator of LIKE; ILIKE (~~*) folds case, so no btree range serves its prefix


class ConditionBuilder:
    """Reads conditions and column references; the query builder (`pgdiag.sql.build.Builder`) extends it."""

    blocks: list[PendingBlock]
    refs: list[TableRef]

    def _condition(self, expr: ast.Node | None, block: PendingBlock, scope: Scope, source: ConditionSource,
                   restricted: set[int] | None = None) -> None:
        """File the conjuncts of a WHERE or ON as predicates and join keys.

        Conjuncts reached only through AND are top-level. In an outer join's ON, `restricted`
        holds the ids of the references whose rows the condition restricts (the nullable side, none
        for a FULL JOIN): a predicate on another reference there does not filter that reference's rows.
        """
        for atom, top in atoms(expr, True):
            self._atom(atom, block, scope, source, top, restricted)

    def _atom(self, node: ast.Node, block: PendingBlock, scope: Scope, source: ConditionSource, top: bool,
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
        preserve(block, joins_before, restricted)

    def _a_expr(self, node: ast.A_Expr, block: PendingBlock, scope: Scope, source: ConditionSource, top: bool) -> None:
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

    def _operator(self, left: ast.Node | None, right: ast.Node | None, name: str, block: PendingBlock, scope: Scope,
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

    def _in(self, node: ast.A_Expr, negated: bool, block: PendingBlock, scope: Scope, source: ConditionSource,
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

    def _binary(self, left: ast.Node | None, right: ast.Node | None, name: str, block: PendingBlock, scope: Scope,
                source: ConditionSource, top: bool) -> None:
        """`left op right`: a join key when both sides are columns of tables, else a predicate column first."""
        lhs, rhs = self._column(left, scope), self._column(right, scope)
        if lhs is not None and rhs is not None:
            self._compare(lhs, rhs, name, block, top, source)
            return
        if lhs is None and rhs is not None:
            lhs, left, right = rhs, right, left
        if lhs is not None and lhs.ref is None and lhs.origin is not None:
            self._push_down(lhs.origin, right, name, scope, top, source, isinstance(left, ast.TypeCast))
            return
        if lhs is None or lhs.ref is None:
            return
        value, params = self._value(right, scope)
        link = uncast(right)
        self._predicate(block, lhs, _op(name), value, params, top, source,
                        link=link if isinstance(link, ast.SubLink) else None,
                        column_cast=isinstance(left, ast.TypeCast))

    def _push_down(self, origin: Origin, right: ast.Node | None, name: str, scope: Scope, top: bool,
                   source: ConditionSource, cast: bool) -> None:
        """A condition on a CTE's or derived table's column filed where PostgreSQL applies it: on the table
        column it hands on, in its own block, when that block is merged into the query (`inlinable`)."""
        target = self._origin_column(origin, 0)
        if target is None:
            return
        block, column = target
        value, params = self._value(right, scope)
        if value in ("param", "const"):
            self._predicate(block, column, _op(name), value, params, top, source, column_cast=cast)

    def _origin_column(self, origin: Origin, depth: int) -> tuple[PendingBlock, Column] | None:
        """The table column output `origin` hands on, through inlinable blocks only, with the block it is in."""
        block = self.blocks[origin.block]
        if not block.inlinable or origin.column is None or depth > MAX_PUSH_DEPTH:
            return None
        named = [o for o in block.outputs if o.name == origin.column]
        stars = [o for o in block.outputs if o.name is None]
        output = named[0] if len(named) == 1 else (stars[0] if not named and len(stars) == 1 else None)
        if output is None:
            return None
        if output.ref is not None:
            return block, Column(self.refs[output.ref], output.column or origin.column)
        if output.origin is not None:
            return self._origin_column(Origin(output.origin.block, output.origin.column or origin.column), depth + 1)
        return None

    def _compare(self, lhs: Column, rhs: Column, name: str, block: PendingBlock, top: bool,
                 source: ConditionSource) -> None:
        """Two columns compared: equality of two different table references is a join key."""
        if lhs.ref is not None and rhs.ref is not None:
            if name == "=" and lhs.ref.id != rhs.ref.id:
                block.joins.append(JoinKey(lhs.ref.id, lhs.name, rhs.ref.id, rhs.name, top, source))
            return
        for column, other in ((lhs, rhs), (rhs, lhs)):  # a CTE's or derived table's column: a value for the other
            if column.ref is not None:
                self._predicate(block, column, _op(name), "column", (), top, source, origin=other.origin)

    def _predicate(self, block: PendingBlock, column: Column, op: Op, value: ValueKind, params: tuple[int, ...],
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
                relation = qualified(level.relations, qualifier)
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


def atoms(expr: ast.Node | None, top: bool) -> Iterator[tuple[ast.Node, bool]]:
    """The conditions under AND/OR/NOT, each with whether it is reached through AND alone.

    ``x NOT IN (SELECT …)`` parses as NOT around ``x IN (SELECT …)``; it stays one condition, as
    ``x NOT IN (1, 2)`` is.
    """
    if expr is None:
        return
    if isinstance(expr, ast.BoolExpr) and not _is_not_in_subquery(expr):
        inner = top and expr.boolop == BoolExprType.AND_EXPR
        for arg in expr.args:
            yield from atoms(arg, inner)
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


def _replace_top(predicate: Predicate, top: bool) -> Predicate:
    """`predicate` with `top_level` set."""
    return replace(predicate, top_level=top)
