"""One visitor pass over a statement's tree for the facts that can sit anywhere in an expression.

Subqueries written inside expressions (``IN (SELECT …)``, ``EXISTS``, scalar subqueries in the
select list or in SET), aggregate calls and ``$n`` parameters can hide at any depth: inside CASE,
function arguments, casts. Rather than walking every expression of every clause, one pass finds
them all and files each under the query (SELECT, INSERT, UPDATE, DELETE, MERGE node) nearest
above it, so the builder picks them up when it reaches that query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pglast import ast
from pglast.visitors import Ancestor, Visitor

QUERY_NODES = (ast.SelectStmt, ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt)
# Members that hold a condition: a subquery below one of them filters rows (where_subquery).
CONDITION_MEMBERS = frozenset({"whereClause", "havingClause", "quals", "joinCondition", "condition"})
AGGREGATING_MEMBERS = frozenset({"targetList", "havingClause"})
AGGREGATES = frozenset({
    "count", "sum", "avg", "min", "max", "array_agg", "string_agg", "bool_and", "bool_or", "every",
    "json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg", "bit_and", "bit_or", "stddev",
    "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp", "percentile_cont", "percentile_disc",
    "mode",
})

NestedContext = Literal["where_subquery", "select_subquery"]


@dataclass(frozen=True)
class Nested:
    """A subquery written inside an expression, and the kind of block it becomes."""

    link: ast.SubLink
    context: NestedContext


@dataclass
class TreeFacts(Visitor):
    """Collects, in one pass: the highest ``$n``, the subqueries in expressions (keyed by
    ``id()`` of the query node that contains them) and the queries whose select list or HAVING
    aggregates."""

    max_param: int = 0
    nested: dict[int, list[Nested]] = field(default_factory=dict)
    aggregating: set[int] = field(default_factory=set)

    def visit_ParamRef(self, ancestors: Ancestor, node: ast.ParamRef) -> None:
        """Keep the highest parameter number."""
        self.max_param = max(self.max_param, node.number or 0)

    def visit_SubLink(self, ancestors: Ancestor, node: ast.SubLink) -> None:
        """File the subquery under its query, as a condition subquery or a value subquery."""
        owner, members = _owner(ancestors)
        context: NestedContext = "where_subquery" if members & CONDITION_MEMBERS else "select_subquery"
        self.nested.setdefault(id(owner), []).append(Nested(node, context))

    def visit_FuncCall(self, ancestors: Ancestor, node: ast.FuncCall) -> None:
        """Mark the query as aggregating when an aggregate (not a window call) is in its select
        list or HAVING."""
        if node.over is not None:
            return
        if not (node.agg_star or node.agg_distinct or node.funcname[-1].sval in AGGREGATES):
            return
        owner, members = _owner(ancestors)
        if members & AGGREGATING_MEMBERS:
            self.aggregating.add(id(owner))

    def nested_in(self, query: ast.Node) -> list[Nested]:
        """The subqueries written in `query`'s own expressions, in text order."""
        return sorted(self.nested.get(id(query), ()), key=lambda n: n.link.location or 0)


def _owner(ancestors: Ancestor) -> tuple[ast.Node | None, set[str]]:
    """The nearest query node above a node, and the member names on the way up to it."""
    members: set[str] = set()
    path: Ancestor | None = ancestors
    while path is not None:
        if isinstance(path.node, QUERY_NODES):
            members.add(path.member)
            return path.node, members
        if isinstance(path.member, str):
            members.add(path.member)
        path = path.parent
    return None, members


def tree_facts(node: ast.Node) -> TreeFacts:
    """Run the visitor over `node` and return what it found."""
    facts = TreeFacts()
    facts(node)
    return facts
