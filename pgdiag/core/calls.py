"""The functions a parse tree calls and the relations it names, as written (not resolved): for what looks a
name up in the catalog (explain's guard against side effects) or in a list (the migration linter's
volatile defaults)."""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast, enums
from pglast.visitors import Ancestor, Visitor

Name = tuple[str, str]
"""(schema as written or "", name)."""

# Operators a statement uses without writing them: sorting, grouping, DISTINCT, set operations, IN, CASE x
# WHEN, JOIN … USING compare with the type's default equality and ordering operators.
IMPLICIT_OPERATORS: tuple[Name, ...] = (("", "="), ("", "<"), ("", ">"))
_BETWEEN = {enums.A_Expr_Kind.AEXPR_BETWEEN, enums.A_Expr_Kind.AEXPR_NOT_BETWEEN,
            enums.A_Expr_Kind.AEXPR_BETWEEN_SYM, enums.A_Expr_Kind.AEXPR_NOT_BETWEEN_SYM}


@dataclass(frozen=True)
class References:
    """Every name in a parse tree through which the server may call a function: calls by name, names that may
    be functions in attribute notation (``t.fn``, ``(t).fn``), operators, cast target types, and the
    relations it reads (whose views, policies and column types lead further)."""

    functions: tuple[Name, ...]
    attributes: tuple[str, ...]
    operators: tuple[Name, ...]
    types: tuple[Name, ...]
    relations: tuple[Name, ...]


def _qualified(parts: tuple[ast.Node, ...] | None) -> Name | None:
    """(schema or "", name) from a list of String nodes such as a function's or operator's name."""
    names = [part.sval for part in parts or () if isinstance(part, ast.String)]
    if not names:
        return None
    return (names[-2] if len(names) > 1 else "", names[-1])


class _Calls(Visitor):
    """Collects the names of the functions a parse tree calls and of the relations it reads, and with
    `everything` the other ways it can reach a function."""

    def __init__(self) -> None:
        self.functions: dict[Name, None] = {}
        self.relations: dict[Name, None] = {}
        self.attributes: dict[str, None] = {}
        self.operators: dict[Name, None] = {}
        self.types: dict[Name, None] = {}

    def visit_FuncCall(self, ancestors: Ancestor, node: ast.FuncCall) -> None:
        """Record a call by its (schema, name)."""
        name = _qualified(node.funcname)
        if name:
            self.functions[name] = None

    def visit_RangeVar(self, ancestors: Ancestor, node: ast.RangeVar) -> None:
        """Record a relation the tree names."""
        self.relations[(node.schemaname or "", node.relname)] = None

    def visit_ColumnRef(self, ancestors: Ancestor, node: ast.ColumnRef) -> None:
        """``t.fn`` calls fn(t) when t has no column fn: the last part of a qualified reference may be a function."""
        if len(node.fields) > 1 and isinstance(node.fields[-1], ast.String):
            self.attributes[node.fields[-1].sval] = None

    def visit_A_Indirection(self, ancestors: Ancestor, node: ast.A_Indirection) -> None:
        """``(t).fn`` likewise."""
        for part in node.indirection:
            if isinstance(part, ast.String):
                self.attributes[part.sval] = None

    def visit_A_Expr(self, ancestors: Ancestor, node: ast.A_Expr) -> None:
        """An operator; BETWEEN is two comparisons, SIMILAR TO a regular expression match."""
        if node.kind in _BETWEEN:
            self.operators.update(dict.fromkeys((("", ">="), ("", "<="))))
        elif node.kind == enums.A_Expr_Kind.AEXPR_SIMILAR:
            self.operators[("", "~")] = None
        else:
            name = _qualified(node.name)
            if name:
                self.operators[name] = None
        if node.kind == enums.A_Expr_Kind.AEXPR_IN:
            self.operators.update(dict.fromkeys(IMPLICIT_OPERATORS))

    def visit_SubLink(self, ancestors: Ancestor, node: ast.SubLink) -> None:
        """``x = ANY (SELECT …)``, ``x IN (SELECT …)``."""
        name = _qualified(node.operName)
        self.operators.update(dict.fromkeys([name] if name else IMPLICIT_OPERATORS))

    def visit_SortBy(self, ancestors: Ancestor, node: ast.SortBy) -> None:
        """ORDER BY sorts with the type's ordering operator, or the one named by USING."""
        name = _qualified(node.useOp)
        self.operators.update(dict.fromkeys([name] if name else IMPLICIT_OPERATORS))

    def visit_SelectStmt(self, ancestors: Ancestor, node: ast.SelectStmt) -> None:
        """GROUP BY, DISTINCT and set operations compare with the type's operators."""
        if node.groupClause or node.distinctClause or node.op != enums.SetOperation.SETOP_NONE:
            self.operators.update(dict.fromkeys(IMPLICIT_OPERATORS))

    def visit_JoinExpr(self, ancestors: Ancestor, node: ast.JoinExpr) -> None:
        """JOIN … USING and NATURAL JOIN compare with the type's equality operator."""
        if node.usingClause or node.isNatural:
            self.operators.update(dict.fromkeys(IMPLICIT_OPERATORS))

    def visit_CaseExpr(self, ancestors: Ancestor, node: ast.CaseExpr) -> None:
        """``CASE x WHEN v`` compares x = v."""
        if node.arg is not None:
            self.operators.update(dict.fromkeys(IMPLICIT_OPERATORS))

    def visit_WindowDef(self, ancestors: Ancestor, node: ast.WindowDef) -> None:
        """A window's PARTITION BY compares like GROUP BY."""
        if node.partitionClause:
            self.operators.update(dict.fromkeys(IMPLICIT_OPERATORS))

    def visit_TypeCast(self, ancestors: Ancestor, node: ast.TypeCast) -> None:
        """A cast calls the cast's function and, for a domain, its CHECK constraints."""
        name = _qualified(node.typeName.names if node.typeName else None)
        if name:
            self.types[name] = None


def calls_and_reads(node: ast.Node) -> tuple[tuple[Name, ...], tuple[Name, ...]]:
    """The functions `node` calls and the relations it names (CTE names too), each as (schema or "", name),
    in the order first met."""
    calls = _Calls()
    calls(node)
    return tuple(calls.functions), tuple(calls.relations)


def references(node: ast.Node) -> References:
    """Every name in `node` through which the server may call a function (see `References`), in the order
    first met.

    >>> refs = references(__import__("pglast").parse_sql("SELECT t.f, a ### 1 FROM s.t5 t ORDER BY 1")[0].stmt)
    >>> refs.attributes, sorted(refs.operators), refs.relations
    (('f',), [('', '###'), ('', '<'), ('', '='), ('', '>')], (('s', 't5'),))
    """
    calls = _Calls()
    calls(node)
    return References(tuple(calls.functions), tuple(calls.attributes), tuple(calls.operators),
                      tuple(calls.types), tuple(calls.relations))
