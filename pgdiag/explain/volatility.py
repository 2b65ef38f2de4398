"""Functions whose side effects a rollback does not undo, so EXPLAIN ANALYZE must not call them unasked.

EXPLAIN ANALYZE runs the statement in a read-only transaction that is rolled back: that stops
writes to tables, but not what a volatile function does outside the transaction —
``pg_terminate_backend`` ends a session, ``pg_notify`` and advisory locks reach other sessions,
``pg_stat_statements_reset`` empties the statistics of the whole server. A statement that calls a
VOLATILE function (per ``pg_proc``; user functions are VOLATILE unless declared otherwise) is
planned without running it, unless the user passes ``--allow-writes``. A few volatile functions are
known to leave nothing behind, or are refused by the read-only transaction itself, and do not
count.
"""

from __future__ import annotations

import pglast
import psycopg
from pglast import ast
from pglast.parser import ParseError
from psycopg import sql

from pgdiag.db import queries
from pgdiag.sql.calls import calls_and_reads

QUERIES = ("explain_volatile_functions", "explain_view_definitions")
MAX_VIEW_DEPTH = 16  # views of views followed this deep
# Volatile, but harmless when run and rolled back (values, waits), or refused in a read-only
# transaction with a clear error (sequences).
HARMLESS = frozenset({
    "pg_catalog.random", "pg_catalog.random_normal", "pg_catalog.setseed", "pg_catalog.clock_timestamp",
    "pg_catalog.timeofday", "pg_catalog.gen_random_uuid", "pg_catalog.uuidv4", "pg_catalog.uuidv7",
    "pg_catalog.pg_sleep", "pg_catalog.pg_sleep_for", "pg_catalog.pg_sleep_until",
    "pg_catalog.nextval", "pg_catalog.setval", "pg_catalog.currval", "pg_catalog.lastval",
})


def unsafe_calls(conn: psycopg.Connection, functions: tuple[tuple[str, str], ...],
                 relations: tuple[tuple[str, str], ...]) -> list[str]:
    """The volatile functions that may leave side effects behind, as schema.name: among `functions` ((schema
    or "", name) as the statement calls them) and those the views among `relations` (what it reads) call,
    views of views included; empty when there is none."""
    called = dict.fromkeys(functions)
    seen: set[tuple[str, str]] = set()
    pending = list(relations)
    for _ in range(MAX_VIEW_DEPTH):
        batch = tuple(dict.fromkeys(relation for relation in pending if relation not in seen))
        if not batch:
            break
        seen.update(batch)
        pending = []
        for tree in _view_trees(conn, batch):
            view_calls, view_reads = calls_and_reads(tree)
            called.update(dict.fromkeys(view_calls))
            pending.extend(view_reads)
    if not called:
        return []
    query = sql.SQL(queries.get("explain_volatile_functions", conn.info.server_version)).format(
        names=sql.Literal([name for _, name in called]), schemas=sql.Literal([schema for schema, _ in called]))
    with conn.cursor() as cursor:
        cursor.execute(query)
        return [name for (name,) in cursor.fetchall() if name not in HARMLESS]


def _view_trees(conn: psycopg.Connection, relations: tuple[tuple[str, str], ...]) -> list[ast.Node]:
    """The parse trees of the definitions of the views among `relations` ((schema or "", name))."""
    query = sql.SQL(queries.get("explain_view_definitions", conn.info.server_version)).format(
        names=sql.Literal([name for _, name in relations]), schemas=sql.Literal([schema for schema, _ in relations]))
    with conn.cursor() as cursor:
        cursor.execute(query)
        definitions = [definition for _, _, definition in cursor.fetchall()]
    trees = []
    for definition in definitions:
        try:
            trees += [raw.stmt for raw in pglast.parse_sql(definition)]
        except ParseError:  # pg_get_viewdef prints what the server parses; pglast may lag a major behind
            continue
    return trees
