"""Index advice against a peer's held-out suite: the statements of Dexter's tests (ankane/dexter,
test/statement_test.rb, indexing_test.rb, batching_test.rb) with the index each should get, on Dexter's
own schema (test/support/schema.sql), run as a workload and judged one statement at a time.

Each statement is run `CALLS` times (a statement run once is not a workload: the acceptance rule weighs
the time an index saves against what it costs to maintain, docs/index-advice.md), recorded by
pg_stat_statements, collected once by `pgdiag scan`, then the missing_index check runs on a snapshot
holding that statement alone, with the live what-if planner (hypopg where installed, else estimates).

An advised index matches when its equality columns are the expected ones in any order (the same index
for an equality lookup), and its remaining columns are the expected ones in order. Dexter's suite has
cases pgdiag cannot receive: statements that fail (parse errors, a missing table, a bad column) never
reach pg_stat_statements, and its --include/--exclude/--min-cost options have no pgdiag equivalent;
those are left out. The case Dexter skips (mixed sort directions) is in, as the issue asks: 21 of Dexter's
cases expect an index, plus two of ours (a view of a view, a partition read directly). The statements that
need none are Dexter's that reach pg_stat_statements, and two for its rule that json and point columns
get no b-tree (its test_column_resolution statement among them).
"""

from __future__ import annotations

from typing import Iterator

import psycopg
import pytest

from pgdiag.checks.missing_index import MissingIndex
from pgdiag.core.findings import Finding
from pgdiag.core.snapshot import Snapshot
from pgdiag.db.dsn import parse
from pgdiag.db.planner import Planner
from tests.conftest import run_scan
from tests.pg import Backend, TestDatabase, create_database, drop_database, hypopg_available

CALLS = 50
WIDE = 100  # columns of Dexter's batching table "t"

SCHEMA = (
    "CREATE TABLE posts (id int, blog_id int, user_id int, json json, jsonb jsonb, point point, indexed int)",
    "INSERT INTO posts (id, blog_id, user_id, indexed) SELECT n, n % 1000, n % 10, n FROM generate_series(1, 100000) n",
    "CREATE INDEX ON posts (indexed)",
    "CREATE VIEW posts_view AS SELECT id AS view_id FROM posts",
    "CREATE VIEW posts_view_view AS SELECT view_id AS vv FROM posts_view",
    "CREATE MATERIALIZED VIEW posts_materialized AS SELECT * FROM posts",
    "CREATE TABLE blogs (id int PRIMARY KEY)",
    "INSERT INTO blogs (id) SELECT n FROM generate_series(1, 1000) n",
    "CREATE TABLE events (id int, blog_id int) PARTITION BY HASH (blog_id)",
    "CREATE TABLE events_0 PARTITION OF events FOR VALUES WITH (MODULUS 3, REMAINDER 0)",
    "CREATE TABLE events_1 PARTITION OF events FOR VALUES WITH (MODULUS 3, REMAINDER 1)",
    "CREATE TABLE events_2 PARTITION OF events FOR VALUES WITH (MODULUS 3, REMAINDER 2)",
    "INSERT INTO events (id, blog_id) SELECT n, n FROM generate_series(1, 100000) n",
    'CREATE SCHEMA "Bar"',
    'CREATE TABLE "Bar"."Foo" ("Id" int)',
    'INSERT INTO "Bar"."Foo" SELECT * FROM generate_series(1, 100000)',
    f"CREATE TABLE t ({', '.join(f'c{i:02d} int' for i in range(WIDE))})",
    f"INSERT INTO t SELECT {', '.join(['n'] * WIDE)} FROM generate_series(1, 2000) n",
    "ANALYZE",
)

# (Dexter's test name, statement, expected (schema, table, columns)); columns are written "col" or "col DESC".
EXPECTED = [
    ("basic_index", "SELECT * FROM posts WHERE id = 1", ("public", "posts", ("id",))),
    ("multicolumn", "SELECT * FROM posts WHERE user_id = 1 AND blog_id = 2", ("public", "posts", ("user_id", "blog_id"))),
    ("multicolumn_3pass", "SELECT * FROM posts WHERE user_id = 1 AND blog_id < 10", ("public", "posts", ("blog_id",))),
    ("multicolumn_order", "SELECT * FROM posts WHERE user_id = 1 ORDER BY blog_id LIMIT 1000",
     ("public", "posts", ("user_id", "blog_id"))),
    ("join", "SELECT * FROM posts INNER JOIN blogs ON blogs.id = posts.blog_id WHERE blogs.id = 1",
     ("public", "posts", ("blog_id",))),
    ("update", "UPDATE posts SET user_id = 2 WHERE user_id = 1", ("public", "posts", ("user_id",))),
    ("delete", "DELETE FROM posts WHERE user_id = 1", ("public", "posts", ("user_id",))),
    ("view", "SELECT * FROM posts_view WHERE view_id = 1", ("public", "posts", ("id",))),
    ("view_of_view", "SELECT * FROM posts_view_view WHERE vv = 1", ("public", "posts", ("id",))),
    ("materialized_view", "SELECT * FROM posts_materialized WHERE id = 1", ("public", "posts_materialized", ("id",))),
    ("partitioned_table", "SELECT * FROM events WHERE blog_id = 1", ("public", "events", ("blog_id",))),
    ("partition", "SELECT * FROM events_0 WHERE id = 1", ("public", "events_0", ("id",))),
    ("cte", "WITH cte AS (SELECT * FROM posts WHERE id = 1) SELECT * FROM cte", ("public", "posts", ("id",))),
    ("cte_fence", "WITH cte AS (SELECT * FROM posts) SELECT * FROM cte WHERE id = 1", ("public", "posts", ("id",))),
    ("not_materialized_cte", "WITH cte AS NOT MATERIALIZED (SELECT * FROM posts) SELECT * FROM cte WHERE id = 1",
     ("public", "posts", ("id",))),
    ("order", "SELECT * FROM posts ORDER BY user_id DESC LIMIT 10", ("public", "posts", ("user_id",))),
    ("order_column_number", "SELECT user_id FROM posts ORDER BY 1 DESC LIMIT 10", ("public", "posts", ("user_id",))),
    ("order_column_alias", "SELECT user_id AS u FROM posts ORDER BY u DESC LIMIT 10", ("public", "posts", ("user_id",))),
    ("order_multiple", "SELECT * FROM posts ORDER BY user_id, blog_id LIMIT 10", ("public", "posts", ("user_id", "blog_id"))),
    ("order_multiple_direction", "SELECT * FROM posts ORDER BY user_id DESC, blog_id LIMIT 10",
     ("public", "posts", ("user_id DESC", "blog_id"))),
    ("schema", 'SELECT * FROM "Bar"."Foo" WHERE "Id" = 10000', ("Bar", "Foo", ("Id",))),
    ("normalized", "SELECT * FROM posts WHERE id = $1", ("public", "posts", ("id",))),
    ("many_columns", "SELECT * FROM t WHERE " + " AND ".join(f"c{i:02d} = 1" for i in range(WIDE)),
     ("public", "t", None)),  # Dexter asserts only that an index is found
]

NONE_NEEDED = [
    ("basic_no_index", "SELECT * FROM posts"),
    ("materialized_cte", "WITH cte AS MATERIALIZED (SELECT * FROM posts) SELECT * FROM cte WHERE id = 1"),
    ("order_column_number_star", "SELECT * FROM posts ORDER BY 1 DESC LIMIT 10"),
    ("no_tables", "SELECT 1"),
    ("information_schema", "SELECT * FROM information_schema.tables"),
    ("pg_catalog", "SELECT * FROM pg_catalog.pg_index"),
    ("pg_index", "SELECT * FROM pg_index"),
    ("indexed", "SELECT * FROM posts WHERE indexed = 1"),
    ("json_column", "SELECT * FROM posts WHERE json::text = '{}'"),
    ("point_column", "SELECT * FROM posts WHERE point ~= point '(1,1)'"),
    ("column_resolution", "SELECT id, blog_id FROM posts"),
]


class Workload:
    """Dexter's schema with every case run `CALLS` times, the scan's snapshot, and each case's queryids."""

    def __init__(self, db: TestDatabase, hypopg: bool) -> None:
        self.db, self.hypopg = db, hypopg
        self.queryids: dict[str, set[str]] = {}
        with db.connect() as lookup, db.connect() as recorded:
            lookup.execute("SET pg_stat_statements.track = none")
            lookup.execute("SELECT pg_stat_statements_reset()")
            calls = self._calls(lookup)
            for name, statement in [(n, s) for n, s, _ in EXPECTED] + NONE_NEEDED:
                with recorded.transaction(force_rollback=True), psycopg.RawCursor(recorded) as cursor:
                    for _ in range(CALLS):  # UPDATE and DELETE are rolled back: the data stays as it was
                        cursor.execute(statement, [1] if "$1" in statement else None)
                before, calls = calls, self._calls(lookup)
                self.queryids[name] = {q for q, n in calls.items() if n > before.get(q, 0)}
        self.snapshot = run_scan(db).snapshot

    @staticmethod
    def _calls(lookup: psycopg.Connection) -> dict[str, int]:
        """Calls so far per queryid (two cases may normalise to one statement, e.g. ``id = 1`` and ``id = $1``)."""
        rows = lookup.execute("SELECT queryid::text, sum(calls)::int FROM pg_stat_statements GROUP BY 1").fetchall()
        return dict(rows)

    def advice(self, name: str, planner: Planner) -> list[Finding]:
        """missing_index's findings for a snapshot holding case `name`'s statement alone."""
        frames = dict(self.snapshot.frames)
        statements = frames["statements"]
        frames["statements"] = statements[statements["queryid"].astype(str).isin(self.queryids[name])]
        alone = Snapshot(self.snapshot.target, self.snapshot.collected_at, self.snapshot.collectors, frames)
        return list(MissingIndex(planner).run(alone, MissingIndex.settings({})))


@pytest.fixture(scope="module")
def dexter(backend: Backend) -> Iterator[Workload]:
    """Dexter's schema and the port's workload on one server."""
    db = create_database(backend, "t_dexter_port")
    hypopg = hypopg_available(db)
    db.execute(*SCHEMA)
    yield Workload(db, hypopg)
    drop_database(db)


@pytest.fixture(scope="module")
def planner(dexter: Workload) -> Iterator[Planner]:
    """A what-if planner on the port's database."""
    with Planner.open(parse(dexter.db.dsn)) as opened:
        yield opened


def written(finding: Finding) -> tuple[str, ...]:
    """The advised index's columns as the cases write them ("col DESC" for a descending one)."""
    fix = finding.fix_sql or ""
    columns = finding.object.columns or ()
    return tuple(c + (" DESC" if f"{_quoted(c)} DESC" in fix else "") for c in columns)


def _quoted(column: str) -> str:
    return column if column.islower() and column.isidentifier() else f'"{column}"'


def matches(finding: Finding, expected: tuple[str, str, tuple[str, ...] | None]) -> bool:
    """Whether `finding` advises the expected index (equality columns in any order; see the module docstring)."""
    schema, table, columns = expected
    if (finding.object.schema, finding.object.table) != (schema, table):
        return False
    if columns is None:
        return True
    got = written(finding)
    n_equality = int((finding.evidence or {}).get("n_equality", 0))
    if len(got) != len(columns):
        return False
    return set(got[:n_equality]) == set(columns[:n_equality]) and got[n_equality:] == columns[n_equality:]


def test_dexter_suite(dexter: Workload, planner: Planner) -> None:
    """At least 20 of the 21 expected indexes advised, and none for the statements that need none."""
    found, missed, extra = [], [], []
    for name, _, expected in EXPECTED:
        advice = dexter.advice(name, planner)
        (found if any(matches(f, expected) for f in advice) else missed).append(
            (name, [(f.object.table, written(f)) for f in advice]))
    for name, _ in NONE_NEEDED:
        advice = dexter.advice(name, planner)
        if advice:
            extra.append((name, [(f.object.table, written(f)) for f in advice]))
    print(f"\nDexter port ({'hypopg' if dexter.hypopg else 'estimates'}): {len(found)} of {len(EXPECTED)} "
          f"expected; {len(extra)} of {len(NONE_NEEDED)} that need none got advice\nmissed: {missed}\nextra: {extra}")
    # With hypopg the planner proves each index; estimates (the embedded PostgreSQL 18 has no hypopg) miss two
    # more, documented in docs/index-advice.md: the partitioned parent, whose size is its partitions', and
    # an ORDER BY … LIMIT whose first page the estimate, assuming uncorrelated rows, reads too dearly.
    assert len(found) >= len(EXPECTED) - (1 if dexter.hypopg else 3), missed
    assert extra == []
