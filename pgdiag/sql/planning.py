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
from pglast.parser import scan

from pgdiag.core.parse_guard import parse_sql
from pgdiag.sql.build import uncast


@dataclass(frozen=True)
class PlanningText:
    """A statement text to plan and the number of ``$n`` parameters it uses."""

    text: str
    n_params: int


@lru_cache(maxsize=20_000)
def planning_text(text: str, n_params: int, rows_per_call: float) -> PlanningText:
    """`text` with a parameter LIMIT of its outermost query set to `rows_per_call` (at least 1, rounded up)
    and a parameter OFFSET set to 0; unchanged when its LIMIT is not a parameter.

    >>> planning_text('SELECT "id" FROM "T" WHERE "a" = $1 ORDER BY "b" LIMIT $2 OFFSET $3', 3, 19.2)
    PlanningText(text='SELECT "id" FROM "T" WHERE "a" = $1 ORDER BY "b" LIMIT 20 OFFSET 0', n_params=1)
    >>> planning_text('SELECT "id" FROM "T" LIMIT $1 OFFSET $2', 2, 0.0).text
    'SELECT "id" FROM "T" LIMIT 1 OFFSET 0'
    >>> planning_text('SELECT 1 FROM "T" WHERE "a" = $1', 1, 50.0).text
    'SELECT 1 FROM "T" WHERE "a" = $1'
    >>> planning_text('SELECT $2 FROM "T" WHERE "a" = $3 LIMIT $1::bigint', 3, 2.0).text
    'SELECT $1 FROM "T" WHERE "a" = $2 LIMIT 2::bigint'
    """
    if "limit" not in text.lower():  # no LIMIT to bind: spare the parse
        return PlanningText(text, n_params)
    try:
        node = parse_sql(text)[0].stmt
    except pglast.parser.ParseError:
        return PlanningText(text, n_params)
    limit = uncast(node.limitCount) if isinstance(node, ast.SelectStmt) else None
    if not isinstance(limit, ast.ParamRef):
        return PlanningText(text, n_params)
    bound = {limit.location: str(max(1, math.ceil(rows_per_call)))}
    offset = uncast(node.limitOffset)
    if isinstance(offset, ast.ParamRef):
        bound[offset.location] = "0"
    return _spliced(text, bound)


def _spliced(text: str, bound: dict[int, str]) -> PlanningText:
    """`text` with the parameters at the offsets in `bound` replaced by their values and the others numbered
    again from 1, edited in place (a few microseconds, where printing the tree again took milliseconds).

    >>> _spliced("SELECT $1, $3 LIMIT $2", {20: "5"}).text
    'SELECT $1, $2 LIMIT 5'
    """
    params = [(token.start, token.end + 1) for token in scan(text) if token.name == "PARAM"]
    used = sorted({int(text[start + 1: end]) for start, end in params if start not in bound})
    number = {old: new for new, old in enumerate(used, start=1)}
    pieces, at = [], 0
    for start, end in params:
        pieces.append(text[at:start])
        pieces.append(bound[start] if start in bound else f"${number[int(text[start + 1: end])]}")
        at = end
    pieces.append(text[at:])
    return PlanningText("".join(pieces), len(used))
