"""Statements read through views, seen as PostgreSQL plans them: each view replaced by its definition.

PostgreSQL expands a view into the query that reads it, so a condition on a view's column filters the
table under it, and that table is where an index helps. `through_views` rewrites a statement's text with
each view (and view of a view) as a derived table holding its definition (``pg_get_viewdef``, read by the
planner's session); the statement model then hands the conditions down to the tables (CTEs and derived
tables that PostgreSQL merges, `pgdiag.sql.build`). The original text is still what gets planned.
"""

from __future__ import annotations

from typing import Callable

import pglast
from pglast import ast
from pglast.stream import RawStream
from pglast.visitors import Ancestor, Visitor

MAX_DEPTH = 8
"""Views of views followed at most this deep."""

ViewDefinition = Callable[[str, str], "str | None"]
"""The definition of a view by (schema, name), None when the relation is not a view."""


class _Expand(Visitor):
    """Replace every read of a view by a derived table of its definition (DML targets stay: they are tables)."""

    def __init__(self, definition: ViewDefinition, schema_of: Callable[[str], str | None]) -> None:
        super().__init__()
        self.definition, self.schema_of, self.expanded = definition, schema_of, 0

    def visit_RangeVar(self, ancestors: Ancestor, node: ast.RangeVar) -> ast.Node | None:
        """A derived table for a view read in FROM; None (unchanged) for anything else."""
        if ancestors.member == "relation":
            return None
        schema = node.schemaname or self.schema_of(node.relname)
        definition = self.definition(schema, node.relname) if schema else None
        if definition is None:
            return None
        try:
            body = pglast.parse_sql(definition)[0].stmt
        except pglast.parser.ParseError:
            return None
        self.expanded += 1
        alias = node.alias or ast.Alias(aliasname=node.relname)
        return ast.RangeSubselect(lateral=False, subquery=body, alias=alias)


def through_views(text: str, definition: ViewDefinition, schema_of: Callable[[str], str | None]) -> str | None:
    """`text` with each view it reads replaced by its `definition`, views of views included (`schema_of` says
    which schema an unqualified name resolves to); None when it reads no view or cannot be parsed."""
    try:
        tree = pglast.parse_sql(text)[0].stmt
    except pglast.parser.ParseError:
        return None
    changed = False
    for _ in range(MAX_DEPTH):
        expand = _Expand(definition, schema_of)
        expand(tree)
        if not expand.expanded:
            break
        changed = True
    return RawStream()(tree) if changed else None
