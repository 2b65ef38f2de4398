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

import psycopg
from psycopg import sql

from pgdiag import queries

QUERIES = ("explain_volatile_functions",)
# Volatile, but harmless when run and rolled back (values, waits), or refused in a read-only
# transaction with a clear error (sequences).
HARMLESS = frozenset({
    "pg_catalog.random", "pg_catalog.random_normal", "pg_catalog.setseed", "pg_catalog.clock_timestamp",
    "pg_catalog.timeofday", "pg_catalog.gen_random_uuid", "pg_catalog.uuidv4", "pg_catalog.uuidv7",
    "pg_catalog.pg_sleep", "pg_catalog.pg_sleep_for", "pg_catalog.pg_sleep_until",
    "pg_catalog.nextval", "pg_catalog.setval", "pg_catalog.currval", "pg_catalog.lastval",
})


def unsafe_calls(conn: psycopg.Connection, functions: tuple[tuple[str, str], ...]) -> list[str]:
    """The volatile functions among `functions` ((schema or "", name) as the statement calls them) that may
    leave side effects behind, as schema.name; empty when there is none."""
    if not functions:
        return []
    query = sql.SQL(queries.get("explain_volatile_functions", conn.info.server_version)).format(
        names=sql.Literal([name for _, name in functions]), schemas=sql.Literal([schema for schema, _ in functions]))
    with conn.cursor() as cursor:
        cursor.execute(query)
        return [name for (name,) in cursor.fetchall() if name not in HARMLESS]
