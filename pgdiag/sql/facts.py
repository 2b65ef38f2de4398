"""One visitor pass over a statement's tree for the facts that can sit anywhere in an expression.

Subqueries written inside expressions (``IN (SELECT …)``, ``EXISTS``, scalar subqueries in the
select list or in SET), aggregate calls and ``$n`` parameters can hide at any depth: inside CASE,
function arguments, casts. Rather than walking every expression of every clause, one pass finds
them all and files each under the query (SELECT, INSERT, UPDATE, DELETE, MERGE node) nearest
above it, so the builder picks them up when it reaches that query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from pglast import ast

QUERY_NODES = frozenset({ast.SelectStmt, ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt})
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
class TreeFacts:
    """Collects, in one pass: the highest ``$n``, the subqueries in expressions (keyed by
    ``id()`` of the query node that contains them) and the queries whose select list or HAVING
    aggregates."""

    max_param: int = 0
    nested: dict[int, list[Nested]] = field(default_factory=dict)
    aggregating: set[int] = field(default_factory=set)

    def walk(self, root: ast.Node) -> None:
        """Visit `root` and everything below it, keeping for each node the nearest query above it and
        the member names on the way down from that query (with a stack, not recursion: generated SQL
        can nest expressions thousands deep)."""
        pending: list[tuple[ast.Node | tuple, ast.Node | None, frozenset[str]]] = [(root, None, frozenset())]
        while pending:
            value, owner, members = pending.pop()
            if isinstance(value, tuple):
                pending.extend((item, owner, members) for item in value if isinstance(item, (tuple, ast.Node)))
                continue
            kind = type(value)
            if kind is ast.ParamRef:
                self.max_param = max(self.max_param, value.number or 0)
            elif kind is ast.SubLink:
                context: NestedContext = "where_subquery" if members & CONDITION_MEMBERS else "select_subquery"
                self.nested.setdefault(id(owner), []).append(Nested(value, context))
            elif kind is ast.FuncCall and _aggregate(value) and members & AGGREGATING_MEMBERS:
                self.aggregating.add(id(owner))
            is_query = kind in QUERY_NODES
            for member in _child_members(kind):
                child = getattr(value, member)
                if isinstance(child, (tuple, ast.Node)):
                    if is_query:
                        pending.append((child, value, frozenset((member,))))
                    else:
                        pending.append((child, owner, members | {member}))

    def nested_in(self, query: ast.Node) -> list[Nested]:
        """The subqueries written in `query`'s own expressions, in text order."""
        return sorted(self.nested.get(id(query), ()), key=lambda n: n.link.location or 0)


def _aggregate(call: ast.FuncCall) -> bool:
    """Whether `call` is an aggregate (not a window call)."""
    return call.over is None and bool(call.agg_star or call.agg_distinct or call.funcname[-1].sval in AGGREGATES)


@cache
def _child_members(kind: type[ast.Node]) -> tuple[str, ...]:
    """The members of node type `kind` that can hold nodes (pointers and lists in PostgreSQL's structs)."""
    return tuple(name for name, slot in kind.__slots__.items() if slot.c_type.endswith("*") and slot.c_type != "char*")


def tree_facts(node: ast.Node) -> TreeFacts:
    """Walk `node`'s tree once and return what it found."""
    facts = TreeFacts()
    facts.walk(node)
    return facts
