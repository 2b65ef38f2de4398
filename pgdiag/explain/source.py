"""Where the statement to explain comes from: the command line, a file, standard input, or
pg_stat_statements by queryid; and the values of its ``$n`` parameters (``--params``)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from pgdiag.collect.pgss import PGSS, pgss_problem, pgss_schema
from pgdiag.core.errors import PgdiagError
from pgdiag.core.snapshot import Snapshot
from pgdiag.db import queries
from pgdiag.sql.workload import HIDDEN_TEXT

_QUERYID = re.compile(r"^-?[0-9]{1,20}$")
BIGINT_RANGE = (-(2**63), 2**63 - 1)


def read_text(statement: str | None, file: Path | None) -> str:
    """The statement text from the argument (``-`` reads standard input) or from `file`; a NUL byte is an
    input error (the parser would stop at it and explain the text before it as if it were the statement)."""
    text = _read(statement, file)
    if "\x00" in text:
        where = f"{file}" if file is not None else "standard input" if statement == "-" else "the statement"
        raise PgdiagError(f"{where} contains a NUL byte (at character {text.index(chr(0))}): not SQL text")
    return text


def _read(statement: str | None, file: Path | None) -> str:
    """The raw text from the argument, standard input or `file`."""
    if file is not None:
        try:
            return file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise PgdiagError(f"cannot read {file}: {reason}") from None
    source = "standard input" if statement == "-" else "the statement"
    try:
        text = _read_stdin() if statement == "-" else statement or ""
        text.encode("utf-8")  # bytes that are not UTF-8 can arrive as lone surrogates (C locale, argv)
    except (UnicodeDecodeError, UnicodeEncodeError):
        raise PgdiagError(f"{source} is not UTF-8 text") from None
    return text


def _read_stdin() -> str:
    """Standard input as UTF-8 text, whatever the locale says it is."""
    buffer = getattr(sys.stdin, "buffer", None)
    return buffer.read().decode("utf-8") if buffer is not None else sys.stdin.read()


def parse_queryid(value: str) -> int:
    """A pg_stat_statements queryid (a signed 64-bit integer) from the command line.

    >>> parse_queryid("-8412377013462")
    -8412377013462
    >>> parse_queryid("abc")
    Traceback (most recent call last):
    ...
    pgdiag.core.errors.PgdiagError: --queryid takes a pg_stat_statements queryid (a 64-bit integer), not 'abc'
    """
    text = value.strip()
    if _QUERYID.match(text) and BIGINT_RANGE[0] <= int(text) <= BIGINT_RANGE[1]:
        return int(text)
    raise PgdiagError(f"--queryid takes a pg_stat_statements queryid (a 64-bit integer), not {value!r}")


def statement_by_queryid(conn: psycopg.Connection, snapshot: Snapshot, queryid: int) -> str:
    """The text pg_stat_statements holds for `queryid` in the connected database, or a one-line error
    saying why there is none (extension missing, unknown id, another database, text hidden)."""
    database = snapshot.target.get("database")
    schema = _pgss_schema(snapshot)
    query = sql.SQL(queries.get("explain_statement", conn.info.server_version)).format(
        pgss_schema=sql.Identifier(schema), queryid=sql.Literal(queryid))
    try:
        row = conn.execute(query).fetchone()
    except psycopg.Error as exc:
        raise PgdiagError(f"cannot read {PGSS}: {' '.join(str(exc).split())}") from None
    if row is None:
        raise PgdiagError(f"no statement with queryid {queryid} in {PGSS} (it may have been evicted or reset)")
    text, found_in, _calls = row
    if found_in != database:
        raise PgdiagError(f"queryid {queryid} was recorded in database {found_in}, not {database}: connect to "
                          f"{found_in} to explain it")
    if text is None or text == HIDDEN_TEXT:
        raise PgdiagError(f"the text of queryid {queryid} belongs to another role and is hidden: "
                          "GRANT pg_read_all_stats TO the role pgdiag connects as")
    return str(text)


def parse_params(value: str) -> tuple[str | None, ...]:
    """``--params``: a JSON array of the values of $1, $2…, sent as untyped text the server casts as for
    a prepared statement; null is NULL.

    >>> parse_params('[42, "open", null, true]')
    ('42', 'open', None, 'true')
    """
    try:
        values = json.loads(value)
    except json.JSONDecodeError as exc:
        raise PgdiagError(f"--params takes a JSON array such as '[42, \"open\"]': {exc.msg}") from None
    if not isinstance(values, list) or not all(_scalar(v) for v in values):
        raise PgdiagError("--params takes a JSON array of numbers, strings, booleans and nulls, "
                          "such as '[42, \"open\", null]'")
    return tuple(_text(v) for v in values)


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _text(value: Any) -> str | None:
    """The text PostgreSQL should read for one JSON value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _pgss_schema(snapshot: Snapshot) -> str:
    """The schema pg_stat_statements is created in, or the exact fix."""
    problem = pgss_problem(snapshot)
    if problem is not None:
        raise PgdiagError(f"--queryid needs {PGSS}: {problem}")
    return str(pgss_schema(snapshot))
