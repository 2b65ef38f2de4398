"""A migration file as parsed statements, each with the line it starts on and its source text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pglast.parser import ParseError

from pgdiag.core.parse_guard import parse_sql
from pgdiag.lint.files import MigrationError, MigrationFile

# What PostgreSQL's scanner skips between tokens (scan.l: `space`, `comment`, and C comments, which nest).
_SPACE_AND_LINE_COMMENTS = re.compile(r"(?:[ \t\n\r\f\v]+|--[^\n\r]*)*")
_COMMENT_MARKS = re.compile(r"/\*|\*/")


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

    >>> [(s.line, s.text) for s in parse_text("SELECT 1; /* a /* nested */ comment */\\r\\n-- x\\nSELECT 2", "m")]
    [(1, 'SELECT 1'), (3, 'SELECT 2')]

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
    statements = []
    line, counted = 1, 0  # statements come in text order: count the newlines once
    for index, raw in enumerate(raws):
        start = _first_token(text, raw.stmt_location)
        line, counted = line + text.count("\n", counted, start), start
        end = raw.stmt_location + raw.stmt_len if raw.stmt_len else len(text)
        source = text[start:end].strip().rstrip(";").rstrip()
        statements.append(Statement(node=raw.stmt, line=line, text=source, index=index))
    return statements


def _first_token(text: str, position: int) -> int:
    """Where the first token at or after `position` starts: past whitespace, ``--`` comments and ``/* */``
    comments (nested, as PostgreSQL's scanner reads them); `position` itself when only those follow.

    pglast's statements start after the previous semicolon, so only these can come before the first token.
    Skipping them here spares a second scan of the whole file for its tokens.
    """
    end = len(text)
    at = position
    while True:
        at = _SPACE_AND_LINE_COMMENTS.match(text, at).end()
        if at >= end:
            return position
        if not text.startswith("/*", at):
            return at
        depth, at = 0, at + 2
        while depth >= 0:
            mark = _COMMENT_MARKS.search(text, at)
            if mark is None:
                return position
            depth, at = depth + (1 if mark.group() == "/*" else -1), mark.end()


def _line(text: str, position: int) -> int:
    """The 1-based line of character `position` in `text`."""
    return text.count("\n", 0, position) + 1
