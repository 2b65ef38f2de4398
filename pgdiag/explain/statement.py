"""Check what the user asked pgdiag to explain: exactly one SELECT, INSERT, UPDATE, DELETE or MERGE.

PostgreSQL's own parser (pglast) counts the statements and tells whether any part writes (a
data-modifying CTE included); the read-only transaction the statement runs in enforces the same
rule on the server, which also catches writes pglast cannot see (functions that write, ``nextval``,
``SELECT … FOR UPDATE``). A text pglast cannot parse is passed on: the server's error message is
the one the user should read, and the server may know syntax newer than pglast's.
"""

from __future__ import annotations

from dataclasses import dataclass

import pglast
from pglast import ast
from pglast.parser import ParseError

from pgdiag.core.errors import PgdiagError
from pgdiag.db.queries import MARKER
from pgdiag.sql import Statement, analyze
from pgdiag.sql.build import ColumnLookup
from pgdiag.sql.calls import calls_and_reads

EXPLAINABLE = (ast.SelectStmt, ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt)


@dataclass(frozen=True)
class CheckedStatement:
    """The statement to explain: its text, its model (None when pglast cannot parse it), its parameters, and
    the functions it calls by name as (schema or "", name)."""

    text: str
    model: Statement | None
    n_params: int
    functions: tuple[tuple[str, str], ...] = ()

    @property
    def writes(self) -> bool:
        """Whether pglast sees the statement change data (the server may still find writes it cannot see)."""
        return self.model is not None and self.model.writes_data


def check_statement(text: str, search_path: tuple[str, ...], columns: ColumnLookup | None = None) -> CheckedStatement:
    """Validate `text` as one explainable statement and build its model; a one-line `PgdiagError` otherwise.

    >>> check_statement("SELECT 1; SELECT 2", ("public",))
    Traceback (most recent call last):
    ...
    pgdiag.core.errors.PgdiagError: the input holds 2 statements; pgdiag explain takes exactly one
    >>> check_statement("DELETE FROM t WHERE id = $1", ("public",)).writes
    True
    """
    if not text.strip():
        raise PgdiagError("no statement to explain: the input is empty")
    try:
        parsed = pglast.parse_sql(text)
    except ParseError:
        return CheckedStatement(text, None, 0)
    if len(parsed) != 1:
        if not parsed:
            raise PgdiagError("no statement to explain: the input holds only comments")
        raise PgdiagError(f"the input holds {len(parsed)} statements; pgdiag explain takes exactly one")
    node = parsed[0].stmt
    if isinstance(node, ast.ExplainStmt):
        raise PgdiagError("give the statement without EXPLAIN: pgdiag explain adds EXPLAIN and its options itself")
    if not isinstance(node, EXPLAINABLE):
        kind = type(node).__name__.removesuffix("Stmt")
        raise PgdiagError(f"pgdiag explain takes a SELECT, INSERT, UPDATE, DELETE or MERGE statement, not {kind}")
    # The marker makes `analyze` skip a text as pgdiag's own; a statement copied from pgdiag's output is the user's.
    analysis = analyze(text.replace(MARKER, "/* */"), search_path, columns)
    model = analysis.statement
    return CheckedStatement(text, model, model.n_params if model is not None else 0,
                            calls_and_reads(node)[0])
