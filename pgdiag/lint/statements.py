"""A migration file as parsed statements, each with the line it starts on and its source text."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

import pglast
from pglast.parser import ParseError

from pgdiag.core.parse_guard import parse_sql
from pgdiag.lint.files import MigrationError, MigrationFile

_COMMENTS = {"SQL_COMMENT", "C_COMMENT"}


@dataclass(frozen=True)
class Statement:
    """One statement of a migration: the pglast node, its first line (1-based) and its text as written."""

    node: Any
    line: int
    text: str
    index: int


def parse_file(file: MigrationFile) -> list[Statement]:
    """The statements of `file` in order; unreadable files and syntax errors are `MigrationError` (file:line)."""
    try:
        text = file.path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise MigrationError(f"cannot read {file.display}: {reason}") from None
    return parse_text(text, file.display)


def parse_text(text: str, display: str) -> list[Statement]:
    """The statements of the SQL `text` (named `display` in errors).

    Lines come from the statement's first token, so leading comments (Prisma writes ``-- CreateIndex``
    above each statement) and blank lines are skipped whatever pglast reports as the statement's start.

    >>> sql = "-- CreateTable\\nCREATE TABLE a (id int);\\n\\n/* x */ DROP TABLE b;"
    >>> [(s.line, s.text) for s in parse_text(sql, "m.sql")]
    [(2, 'CREATE TABLE a (id int)'), (4, 'DROP TABLE b')]
    """
    try:
        raws = parse_sql(text)
    except ParseError as exc:
        message, position = exc.args[0], exc.args[1] if len(exc.args) > 1 else None
        line = _line(text, position) if position is not None else text.rstrip().count("\n") + 1
        raise MigrationError(f"{display}:{line}: {message}") from None
    starts = [t.start for t in pglast.parser.scan(text) if t.name not in _COMMENTS]
    statements = []
    for index, raw in enumerate(raws):
        first = bisect_left(starts, raw.stmt_location)
        start = starts[first] if first < len(starts) else raw.stmt_location
        end = raw.stmt_location + raw.stmt_len if raw.stmt_len else len(text)
        source = text[start:end].strip().rstrip(";").rstrip()
        statements.append(Statement(node=raw.stmt, line=_line(text, start), text=source, index=index))
    return statements


def _line(text: str, position: int) -> int:
    """The 1-based line of character `position` in `text`."""
    return text.count("\n", 0, position) + 1
