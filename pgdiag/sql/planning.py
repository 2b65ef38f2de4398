"""The text pgdiag plans for a normalised statement: its LIMIT bound to what the workload fetched.

A generic plan knows nothing of ``LIMIT $3``: the planner assumes the limit keeps a tenth of the
rows, which hides what an ordered index is for (stopping after a page). pg_stat_statements does
know how many rows each call returned, so the statement is planned with that LIMIT (and a
parameter OFFSET as 0); the remaining parameters are renumbered, since every parameter of a
generic plan is unknown anyway.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import pglast
from pglast import ast
from pglast.stream import RawStream
from pglast.visitors import Ancestor, Visitor

from pgdiag.core.parse_guard import parse_sql
from pgdiag.sql.build import uncast


@dataclass(frozen=True)
class PlanningText:
    """A statement text to plan and the number of ``$n`` parameters it uses."""

    text: str
    n_params: int


class _Renumber(Visitor):
    """Renumber parameters through a mapping of old to new numbers."""

    def __init__(self, mapping: dict[int, int]) -> None:
        super().__init__()
        self.mapping = mapping

    def visit_ParamRef(self, ancestors: Ancestor, node: ast.ParamRef) -> None:
        """Give the parameter its new number."""
        node.number = self.mapping[node.number]


@lru_cache(maxsize=20_000)
def planning_text(text: str, n_params: int, rows_per_call: float) -> PlanningText:
    """`text` with a parameter LIMIT of its outermost query set to `rows_per_call` (at least 1, rounded up)
    and a parameter OFFSET set to 0; unchanged when its LIMIT is not a parameter.

    >>> planning_text('SELECT "id" FROM "T" WHERE "a" = $1 ORDER BY "b" LIMIT $2 OFFSET $3', 3, 19.2)
    PlanningText(text='SELECT id FROM "T" WHERE a = $1 ORDER BY b LIMIT 20 OFFSET 0', n_params=1)
    >>> planning_text('SELECT "id" FROM "T" LIMIT $1 OFFSET $2', 2, 0.0).text
    'SELECT id FROM "T" LIMIT 1 OFFSET 0'
    >>> planning_text('SELECT 1 FROM "T" WHERE "a" = $1', 1, 50.0).text
    'SELECT 1 FROM "T" WHERE "a" = $1'
    """
    if "limit" not in text.lower():  # no LIMIT to bind: spare the parse
        return PlanningText(text, n_params)
    try:
        node = parse_sql(text)[0].stmt
    except pglast.parser.ParseError:
        return PlanningText(text, n_params)
    if not isinstance(node, ast.SelectStmt) or not isinstance(uncast(node.limitCount), ast.ParamRef):
        return PlanningText(text, n_params)
    node.limitCount = _integer(max(1, math.ceil(rows_per_call)))
    if isinstance(uncast(node.limitOffset), ast.ParamRef):
        node.limitOffset = _integer(0)
    used = sorted(_ParamNumbers()(node))
    _Renumber({old: new for new, old in enumerate(used, start=1)})(node)
    return PlanningText(RawStream()(node), len(used))


class _ParamNumbers(Visitor):
    """The set of parameter numbers a tree still uses."""

    def __call__(self, node: ast.Node) -> set[int]:  # type: ignore[override]
        self.numbers: set[int] = set()
        super().__call__(node)
        return self.numbers

    def visit_ParamRef(self, ancestors: Ancestor, node: ast.ParamRef) -> None:
        """Note the parameter's number."""
        self.numbers.add(node.number)


def _integer(value: int) -> ast.A_Const:
    """An integer constant node."""
    return ast.A_Const(isnull=False, val=ast.Integer(ival=value))
