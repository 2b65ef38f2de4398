"""Run EXPLAIN for one statement inside a transaction that is always rolled back.

EXPLAIN ANALYZE executes the statement. pgdiag sessions are autocommit with
``default_transaction_read_only = on``, so the statement runs between ``BEGIN READ ONLY`` (or,
with ``--allow-writes``, an explicit ``BEGIN READ WRITE``) and a ``ROLLBACK`` that is sent
whatever happens; if even the ROLLBACK fails the connection is closed, which aborts the
transaction on the server. Every EXPLAIN that can run the statement goes through the extended query
protocol, which refuses a text holding more than one statement, whatever pglast made of it; only
the generic plan of a statement pglast parsed as exactly one (and that nothing executes) uses the
simple protocol, which lets its ``$n`` stay unbound.

When ANALYZE runs into the statement or lock timeout, the plan is taken again without ANALYZE
and a note says so. A statement with ``$n`` parameters and no values gets its generic plan.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import psycopg
from psycopg import errors, sql

from pgdiag.core.errors import PgdiagError
from pgdiag.db import queries
from pgdiag.db.planner import GENERIC_PLAN_VERSION

QUERIES = ("explain_analyze", "explain_plain", "explain_plain_generic", "explain_generic_mode", "explain_begin_read_only",
           "explain_begin_read_write", "explain_rollback", "explain_statement")
PREPARED_NAME = "pgdiag_explain"


@dataclass(frozen=True)
class ExplainRequest:
    """What to run: the text, parameter values (None: none given), and the user's flags."""

    text: str
    n_params: int = 0
    params: tuple[str | None, ...] | None = None
    analyze: bool = True
    allow_writes: bool = False

    @property
    def generic(self) -> bool:
        """Whether the statement has parameters without values, so only its generic plan can be shown."""
        return self.n_params > 0 and self.params is None


@dataclass
class ExplainRun:
    """EXPLAIN's JSON result and how it was obtained."""

    document: list[Any]
    analyzed: bool
    read_write: bool
    rolled_back: bool = True
    notes: list[str] = field(default_factory=list)


def run_explain(conn: psycopg.Connection, request: ExplainRequest, statement_timeout_s: float) -> ExplainRun:
    """EXPLAIN `request` on `conn` (a pgdiag session) in a rolled-back transaction; falls back to plain
    EXPLAIN on a statement or lock timeout. Server errors become one-line `PgdiagError`s."""
    notes: list[str] = []
    read_write = request.allow_writes
    if request.generic:
        notes.append(f"the statement has {request.n_params} parameter(s) ($1…) and no values (--params): this is "
                     "its generic plan, without ANALYZE")
        document = _without_analyze(conn, read_write, lambda: _generic(conn, request.text, request.n_params))
        return ExplainRun(document, False, read_write, notes=notes)
    if request.analyze:
        try:
            document = _rolled_back(conn, read_write, lambda: _explain(conn, "explain_analyze", request))
            return ExplainRun(document, True, read_write, notes=notes)
        except (errors.QueryCanceled, errors.LockNotAvailable) as exc:
            if conn.closed:
                raise PgdiagError(f"EXPLAIN ANALYZE failed and the connection was lost: {describe(exc)}") from None
            notes.append(_fallback_note(exc, statement_timeout_s))
    document = _without_analyze(conn, read_write, lambda: _explain(conn, "explain_plain", request))
    return ExplainRun(document, False, read_write, notes=notes)


def _without_analyze(conn: psycopg.Connection, read_write: bool, explain: Callable[[], list[Any]]) -> list[Any]:
    """A plan without ANALYZE; a timeout here (planning alone took too long) is the user's to fix."""
    try:
        return _rolled_back(conn, read_write, explain)
    except (errors.QueryCanceled, errors.LockNotAvailable) as exc:
        raise PgdiagError(f"even planning the statement failed: {describe(exc)}; raise --statement-timeout or "
                          "--lock-timeout") from None


def describe(exc: psycopg.Error) -> str:
    """The server's primary message for `exc` (libpq's text for client-side errors), on one line."""
    diag = getattr(exc, "diag", None)
    message = (diag.message_primary if diag is not None else None) or str(exc)
    return " ".join(message.split())


def _fallback_note(exc: psycopg.Error, statement_timeout_s: float) -> str:
    """Why the plan has no actual figures."""
    if isinstance(exc, errors.LockNotAvailable):
        cause = "waited longer than the lock timeout for a lock"
        flag = "--lock-timeout"
    else:
        cause = f"ran longer than the statement timeout ({statement_timeout_s:g} s)"
        flag = "--statement-timeout"
    return (f"EXPLAIN ANALYZE {cause} and was cancelled (and rolled back); this is the plan without ANALYZE. "
            f"Raise {flag} to measure it")


def _rolled_back(conn: psycopg.Connection, read_write: bool, explain: Callable[[], list[Any]]) -> list[Any]:
    """Call `explain` in a transaction that is rolled back, translating errors the user must act on."""
    try:
        with _transaction(conn, read_write):
            return explain()
    except (errors.QueryCanceled, errors.LockNotAvailable):
        raise
    except errors.ReadOnlySqlTransaction as exc:
        raise PgdiagError(f"the statement writes ({describe(exc)}); pgdiag explain runs statements read-only: add "
                          "--allow-writes to run it in a transaction that is rolled back, or --no-analyze to "
                          "plan it without running it") from None
    except RecursionError:  # the JSON document nests deeper than Python's parser follows
        raise PgdiagError("the plan is nested too deeply for pgdiag to read (subqueries within subqueries "
                          "about a hundred deep)") from None
    except psycopg.OperationalError as exc:
        if conn.broken or exc.sqlstate is None or exc.sqlstate.startswith("08"):
            raise PgdiagError(f"the connection failed during EXPLAIN: {describe(exc)}") from None
        raise PgdiagError(f"the server rejected the statement: {describe(exc)}") from None
    except psycopg.Error as exc:
        raise PgdiagError(f"the server rejected the statement: {describe(exc)}") from None


@contextmanager
def _transaction(conn: psycopg.Connection, read_write: bool) -> Iterator[None]:
    """BEGIN READ ONLY (or READ WRITE) … ROLLBACK, the ROLLBACK sent even when the block fails."""
    version = conn.info.server_version
    conn.execute(queries.get("explain_begin_read_write" if read_write else "explain_begin_read_only", version))
    try:
        yield
    finally:
        try:
            conn.execute(queries.get("explain_rollback", version))
        except psycopg.Error:
            conn.close()  # the server aborts the transaction of a closed session


def _explain(conn: psycopg.Connection, query: str, request: ExplainRequest) -> list[Any]:
    """Run EXPLAIN `query` for the request's text, binding its parameter values when given."""
    composed = sql.SQL(queries.get(query, conn.info.server_version)).format(statement=sql.SQL(request.text))
    if request.params:  # values for $1…: the extended protocol carries them
        with psycopg.RawCursor(conn) as cursor:  # $n placeholders, values typed by the server like PREPARE does
            row = cursor.execute(composed, list(request.params)).fetchone()
    else:
        row = conn.execute(composed, binary=True).fetchone()  # binary forces the extended protocol
    assert row is not None
    return row[0]


def _generic(conn: psycopg.Connection, text: str, n_params: int) -> list[Any]:
    """The generic plan: EXPLAIN (GENERIC_PLAN) from PostgreSQL 16; before, a prepared statement planned
    generically (``SET LOCAL plan_cache_mode``) and explained with NULLs, then deallocated. A failure
    leaves the prepared statement behind in this session, which the command closes anyway."""
    version = conn.info.server_version
    if version >= GENERIC_PLAN_VERSION:
        # The simple protocol: the extended one would need values for $n. Safe, because a statement only
        # gets here when pglast found exactly one statement in it (its parameters come from that parse).
        query = sql.SQL(queries.get("explain_plain_generic", version)).format(statement=sql.SQL(text))
        row = conn.execute(query).fetchone()
        assert row is not None
        return row[0]
    name = sql.Identifier(PREPARED_NAME)
    conn.execute(queries.get("explain_generic_mode", version), binary=True)
    conn.execute(sql.SQL(queries.get("prepare_generic", version)).format(name=name, statement=sql.SQL(text)),
                 binary=True)
    nulls = sql.SQL("({})").format(sql.SQL(", ").join([sql.NULL] * n_params))
    row = conn.execute(sql.SQL(queries.get("explain_prepared", version)).format(name=name, params=nulls),
                       binary=True).fetchone()
    conn.execute(sql.SQL(queries.get("deallocate_prepared", version)).format(name=name))
    assert row is not None
    return row[0]
