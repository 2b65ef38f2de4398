"""Statement analysis with PostgreSQL's own parser (pglast): what each statement asks of its tables.

`analyze` turns one statement text into the plain data of `pgdiag.sql.model`; the checks
reason over that, never over SQL text.

>>> a = analyze('SELECT "id" FROM "Ticket" t WHERE t."organizationId" = $1 ORDER BY "createdAt" DESC LIMIT 20',
...             ("public",))
>>> a.kind, a.statement.refs[0].table, a.statement.top.limit.value
('ok', 'Ticket', 20)
>>> [(p.column, p.op, p.value, p.params) for p in a.statement.top.predicates]
[('organizationId', 'eq', 'param', (1,))]
>>> analyze("VACUUM x", ("public",)).kind, analyze("SELEC 1", ("public",)).kind
('utility', 'unparsable')
"""

from __future__ import annotations

from pglast import ast
from pglast.parser import ParseError

from pgdiag.core.parse_guard import parse_sql
from pgdiag.db.queries import MARKER
from pgdiag.sql.build import Builder, ColumnLookup
from pgdiag.sql.facts import tree_facts
from pgdiag.sql.model import (
    Analysis,
    Block,
    Bound,
    Command,
    JoinKey,
    OrderKey,
    Predicate,
    Statement,
    TableRef,
)

__all__ = ["Analysis", "Block", "Bound", "JoinKey", "OrderKey", "Predicate", "Statement", "TableRef", "analyze"]

COMMANDS: dict[type, Command] = {ast.SelectStmt: "select", ast.InsertStmt: "insert", ast.UpdateStmt: "update",
                                 ast.DeleteStmt: "delete", ast.MergeStmt: "merge"}


def analyze(text: str, search_path: tuple[str, ...], columns: ColumnLookup | None = None) -> Analysis:
    """Classify `text` and, for a data statement, build its model.

    Unqualified table names resolve through `search_path` (the first schema `columns` knows the
    table in); `columns` also tells which table an unqualified column belongs to when several
    are joined. pgdiag's own statements (the ``/* pgdiag */`` marker) are kind "pgdiag"; a statement
    nested deeper than Python's recursion limit allows the model to follow is "too_deep".
    """
    if MARKER in text:
        return Analysis("pgdiag")
    try:
        parsed = parse_sql(text)
    except ParseError as exc:
        return Analysis("unparsable", error=str(exc))
    if len(parsed) != 1:
        return Analysis("unparsable", error=f"{len(parsed)} statements in one text")
    node = parsed[0].stmt
    command = COMMANDS.get(type(node))
    if command is None:
        return Analysis("utility")
    try:
        facts = tree_facts(node)
        builder = Builder(facts, search_path, columns)
        builder.query(node, None, "top", None, {})
    except RecursionError:  # e.g. subqueries or ORs nested a thousand deep: one statement must not sink the scan
        return Analysis("too_deep", error="nested too deeply to analyse")
    statement = Statement(text=text, command=command, refs=tuple(builder.refs), blocks=builder.frozen_blocks(),
                          writes_data=builder.writes_data, n_params=facts.max_param)
    return Analysis("ok", statement=statement)
