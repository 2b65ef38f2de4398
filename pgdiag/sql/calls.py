"""The functions a parse tree calls and the relations it names, as written (not resolved): for what looks a
name up in the catalog (explain's guard against volatile functions) or in a list (the migration linter's
volatile defaults)."""

from __future__ import annotations

from pglast import ast
from pglast.visitors import Ancestor, Visitor

Name = tuple[str, str]
"""(schema as written or "", name)."""


class _Calls(Visitor):
    """Collects the names of the functions a parse tree calls and of the relations it reads."""

    def __init__(self) -> None:
        self.functions: dict[Name, None] = {}
        self.relations: dict[Name, None] = {}

    def visit_FuncCall(self, ancestors: Ancestor, node: ast.FuncCall) -> None:
        """Record a call by its (schema, name)."""
        names = [part.sval for part in node.funcname if isinstance(part, ast.String)]
        if names:
            self.functions[(names[-2] if len(names) > 1 else "", names[-1])] = None

    def visit_RangeVar(self, ancestors: Ancestor, node: ast.RangeVar) -> None:
        """Record a relation the tree names."""
        self.relations[(node.schemaname or "", node.relname)] = None


def calls_and_reads(node: ast.Node) -> tuple[tuple[Name, ...], tuple[Name, ...]]:
    """The functions `node` calls and the relations it names (CTE names too), each as (schema or "", name),
    in the order first met."""
    calls = _Calls()
    calls(node)
    return tuple(calls.functions), tuple(calls.relations)

