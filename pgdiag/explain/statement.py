"""Check what the user asked pgdiag to explain: exactly one SELECT, INSERT, UPDATE, DELETE or MERGE.

PostgreSQL's own parser (pglast) counts the statements and tells whether any part writes (a
data-modifying CTE included, and ``SELECT … INTO``, which creates and fills a table); the read-only
transaction the statement runs in enforces the same rule on the server, which also catches writes
pglast cannot see (functions that write, ``SELECT … FOR UPDATE``). A text pglast cannot parse gets no
model and no tree: what it would call cannot be seen (`pgdiag.explain.guard` decides what that means).
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast
from pglast.parser import ParseError

from pgdiag.core.errors import PgdiagError
from pgdiag.core.parse_guard import TooComplex, parse_sql
from pgdiag.db.queries import MARKER
from pgdiag.sql import Statement, analyze
from pgdiag.sql.build import ColumnLookup

EXPLAINABLE = (ast.SelectStmt, ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt)


@dataclass(frozen=True)
class CheckedStatement:
    """The statement to explain: its text, its model and parse tree (None when pglast cannot parse it, with
    pglast's reason), its parameters, and whether it creates a table (``SELECT … INTO``)."""

    text: str
    model: Statement | None
    n_params: int
    tree: ast.Node | None = None
    creates_table: bool = False
    parse_error: str | None = None

    @property
    def writes(self) -> bool:
        """Whether pglast sees the statement change data (the server may still find writes it cannot see)."""
        return self.creates_table or (self.model is not None and self.model.writes_data)


def check_statement(text: str, search_path: tuple[str, ...], columns: ColumnLookup | None = None) -> CheckedStatement:
    """Validate `text` as one explainable statement and build its model; a one-line `PgdiagError` otherwise.

    >>> check_statement("SELECT 1; SELECT 2", ("public",))
    Traceback (most recent call last):
    ...
    pgdiag.core.errors.PgdiagError: the input holds 2 statements; pgdiag explain takes exactly one
    >>> check_statement("DELETE FROM t WHERE id = $1", ("public",)).writes
    True
    >>> check_statement("SELECT * INTO copy FROM t", ("public",)).writes
    True
    """
    if not text.strip():
        raise PgdiagError("no statement to explain: the input is empty")
    try:
        parsed = parse_sql(text)
    except TooComplex as exc:
        raise PgdiagError(f"cannot explain this statement: {exc.args[0]}") from None
    except ParseError as exc:
        return CheckedStatement(text, None, 0, parse_error=str(exc))
    if len(parsed) != 1:
        if not parsed:
            raise PgdiagError("no statement to explain: the input holds only comments")
        raise PgdiagError(f"the input holds {len(parsed)} statements; pgdiag explain takes exactly one")
    node = parsed[0].stmt
    if isinstance(node, ast.ExplainStmt):
        raise PgdiagError("give the statement without EXPLAIN: pgdiag explain adds EXPLAIN and its options itself")
    if isinstance(node, ast.CreateTableAsStmt):
        raise PgdiagError("CREATE TABLE AS creates and fills a table; pgdiag explain does not run it: explain its "
                          "query instead")
    if not isinstance(node, EXPLAINABLE):
        kind = type(node).__name__.removesuffix("Stmt")
        raise PgdiagError(f"pgdiag explain takes a SELECT, INSERT, UPDATE, DELETE or MERGE statement, not {kind}")
    # The marker makes `analyze` skip a text as pgdiag's own; a statement copied from pgdiag's output is the user's.
    analysis = analyze(text.replace(MARKER, "/* */"), search_path, columns)
    model = analysis.statement
    into = isinstance(node, ast.SelectStmt) and node.intoClause is not None
    return CheckedStatement(text, model, model.n_params if model is not None else 0, node, into)
