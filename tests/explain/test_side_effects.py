"""pgdiag explain runs a statement only when every function it can reach is on the allow-list (issue 14, item 5).

The side channel is dblink: `leak(tag)` inserts a row into `leaks` through a second connection, which
commits whatever happens to explain's own transaction. Each way of reaching a function from issue 14 is
either planned only or refused, with the reason, and `leaks` stays empty; the controls show the channel
(and the planner calling an IMMUTABLE function) do record calls when pgdiag is told to run them.
"""

from __future__ import annotations

import json
from typing import Callable, TypeVar

import pytest

from tests.cli_helpers import assert_one_line_error, invoke
from tests.pg import TestDatabase

T = TypeVar("T")
READER = "h14_reader"
OWNER = "h14_owner"


@pytest.fixture(scope="module")
def leaky(db: TestDatabase) -> TestDatabase:
    """A database whose functions report every call through dblink, reached in every way issue 14 lists."""
    if not db.has_extension("dblink"):
        pytest.fail("dblink (postgresql-contrib) is needed for the committed side channel")
    channel = db.dsn.replace("'", "''")
    db.execute(
        "CREATE EXTENSION IF NOT EXISTS dblink",
        "CREATE TABLE leaks (tag text) WITH (autovacuum_enabled = off)",
        "CREATE FUNCTION leak(tag text) RETURNS int LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS $$ BEGIN "
        f"PERFORM dblink_exec('{channel}', format('INSERT INTO leaks VALUES (%L)', tag)); RETURN 1; END $$",
        "CREATE TABLE t5 (id int PRIMARY KEY) WITH (autovacuum_enabled = off)",
        "INSERT INTO t5 SELECT generate_series(1, 3)",
        # attribute notation: t.attr_fn is attr_fn(t)
        "CREATE FUNCTION attr_fn(t5) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN leak('attribute'); END $$",
        # an aggregate (labelled immutable by CREATE AGGREGATE) whose state function is volatile
        "CREATE FUNCTION leak_state(int, int) RETURNS int LANGUAGE plpgsql AS "
        "$$ BEGIN RETURN coalesce($1, 0) + $2 + leak('aggregate') * 0; END $$",
        "CREATE AGGREGATE leak_sum(int) (sfunc = leak_state, stype = int)",
        # a view calling it, read by a STABLE built-in that runs queries
        "CREATE VIEW leaky_view AS SELECT leak('xml') AS leaked",
        "CREATE VIEW leaky_outer AS SELECT * FROM (SELECT leak('view') AS leaked) s",
        "CREATE VIEW leaky_outer2 AS SELECT * FROM leaky_outer",
        # an operator, a cast and a domain CHECK backed by it
        "CREATE FUNCTION leak_op(int, int) RETURNS boolean LANGUAGE plpgsql AS "
        "$$ BEGIN RETURN leak('operator') > 0; END $$",
        "CREATE OPERATOR ### (leftarg = int, rightarg = int, function = leak_op)",
        "CREATE FUNCTION leak_cast(t5) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN leak('cast'); END $$",
        "CREATE CAST (t5 AS int) WITH FUNCTION leak_cast(t5)",
        "CREATE TYPE boxed AS (n int)",
        "CREATE FUNCTION leak_box(int) RETURNS boxed LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM leak('box'); RETURN ROW($1); END $$",
        "CREATE CAST (int AS boxed) WITH FUNCTION leak_box(int)",
        "CREATE DOMAIN leak_dom AS int CHECK (leak('domain') > 0)",
        # labels that lie: a STABLE wrapper, an IMMUTABLE one, and the statistics reset
        "CREATE FUNCTION stable_leak() RETURNS int LANGUAGE plpgsql STABLE AS $$ BEGIN RETURN leak('stable'); END $$",
        "CREATE FUNCTION immutable_leak(int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS "
        "$$ BEGIN RETURN leak('immutable'); END $$",
        # the planner inlines SQL functions, then folds what their bodies call
        "CREATE FUNCTION sql_wrapper() RETURNS int LANGUAGE sql AS 'SELECT immutable_leak(2)'",
        "CREATE FUNCTION atomic_wrapper() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT immutable_leak(3); END",
        "CREATE FUNCTION stable_reset() RETURNS int LANGUAGE plpgsql STABLE AS "
        "$$ BEGIN PERFORM pg_stat_statements_reset(); RETURN 1; END $$",
        # row-level security, applied to a role that is not the owner (a superuser bypasses it)
        f"DROP ROLE IF EXISTS {READER}", f"CREATE ROLE {READER} LOGIN",
        "CREATE TABLE guarded (id int) WITH (autovacuum_enabled = off)", "INSERT INTO guarded VALUES (1), (2)",
        "ALTER TABLE guarded ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY leaky_policy ON guarded FOR SELECT USING (leak('policy') > 0)",
        f"GRANT SELECT ON guarded, t5 TO {READER}",
        # behind a view, the policies of the view's owner apply, whoever reads it
        f"DROP ROLE IF EXISTS {OWNER}", f"CREATE ROLE {OWNER}",
        "CREATE TABLE owned (id int) WITH (autovacuum_enabled = off)", "INSERT INTO owned VALUES (1)",
        "ALTER TABLE owned ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY owners_policy ON owned FOR SELECT TO {OWNER} USING (leak('owner policy') > 0)",
        f"GRANT SELECT ON owned TO {OWNER}",
        "CREATE VIEW owned_view AS SELECT * FROM owned", f"ALTER VIEW owned_view OWNER TO {OWNER}",
        f"GRANT SELECT ON owned_view TO {READER}",
        "ANALYZE")
    return db


def leaked(db: TestDatabase) -> list[str]:
    """The tags the side channel recorded, committed by dblink's own session."""
    with db.connect() as conn:
        return [tag for (tag,) in conn.execute("SELECT tag FROM leaks ORDER BY tag").fetchall()]


def next_xid(db: TestDatabase) -> int:
    """The next transaction id the server will assign (taking a snapshot assigns none)."""
    with db.connect() as conn:
        return int(conn.execute("SELECT txid_snapshot_xmax(txid_current_snapshot())").fetchone()[0])


def without_new_xid(db: TestDatabase, action: Callable[[], T]) -> T:
    """`action`'s result, asserting no transaction id was assigned on the server meanwhile. The server is
    shared (autovacuum's analyze takes ids too), so a run during which the count moved is retried: a
    pgdiag that consumed an id would do so in every attempt."""
    for _ in range(3):
        before = next_xid(db)
        result = action()
        if next_xid(db) == before:
            return result
    raise AssertionError("a transaction id was assigned during each of 3 attempts")


def explain(capsys, dsn: str, *args: str):  # type: ignore[no-untyped-def]
    """Run ``pgdiag explain --json -`` on `dsn`."""
    return invoke(capsys, "explain", "-d", dsn, "--json", "-", *args)


def reader_dsn(db: TestDatabase) -> str:
    """The database as the role row-level security applies to."""
    return db.dsn.replace("user=postgres", f"user={READER}")


@pytest.mark.parametrize(("statement", "reason"), [
    ("SELECT t.attr_fn FROM t5 t", "public.attr_fn (attribute notation .attr_fn)"),
    ("SELECT (t).attr_fn FROM t5 t", "public.attr_fn"),
    ("SELECT leak_sum(id) FROM t5", "public.leak_state (aggregate leak_sum(integer))"),
    ("SELECT * FROM leaky_outer2", "public.leak"),
    ("SELECT id FROM t5 WHERE id ### 2", "public.leak_op (operator ###(integer,integer))"),
    ("SELECT t::int FROM t5 t", "public.leak_cast (cast to integer)"),
    ("SELECT 7::boxed", "public.leak_box (cast to boxed)"),
    ("SELECT 7::leak_dom", "public.leak"),
    ("SELECT pg_terminate_backend(0) FROM t5", "pg_catalog.pg_terminate_backend"),
    ("SELECT pg_notify('c', 'x'), pg_advisory_lock(1), set_config('a.b', 'c', false)", "pg_catalog.pg_notify"),
])
def test_a_function_off_the_allow_list_is_planned_only(capsys, leaky: TestDatabase, statement: str,
                                                        reason: str) -> None:
    """Planned without ANALYZE, the reason names the function and how it is reached; nothing leaks, no
    transaction id is consumed."""
    outcome = without_new_xid(leaky, lambda: explain(capsys, leaky.dsn, statement))
    assert outcome.code == 0, outcome.err
    doc = json.loads(outcome.out)
    assert doc["analyzed"] is False and "Actual Rows" not in json.dumps(doc["plan"])
    [note] = [note for note in doc["notes"] if "not known to be free of side effects" in note]
    assert reason in note and "--allow-writes" in note and "planned, not run" in note
    assert leaked(leaky) == []


@pytest.mark.parametrize(("statement", "reason"), [
    ("SELECT stable_leak()", "public.stable_leak"),
    ("SELECT immutable_leak(1)", "public.immutable_leak"),
    ("SELECT id FROM t5 WHERE id = stable_reset()", "public.stable_reset"),
    ("SELECT sql_wrapper()", "public.immutable_leak"),
    ("SELECT atomic_wrapper()", "public.immutable_leak"),
    ("SELECT table_to_xml('leaky_view', true, false, '')", "pg_catalog.table_to_xml"),
    ("SELECT schema_to_xml('public', true, false, '')", "pg_catalog.schema_to_xml"),
    ("SELECT txid_current()", "pg_catalog.txid_current"),
    ("SELECT pg_current_xact_id()", "pg_catalog.pg_current_xact_id"),
])
@pytest.mark.parametrize("mode", [(), ("--no-analyze",)])
def test_what_the_planner_itself_may_call_is_refused(capsys, leaky: TestDatabase, statement: str, reason: str,
                                                     mode: tuple[str, ...]) -> None:
    """The planner calls IMMUTABLE and STABLE functions on constants: not even planned, with or without
    --no-analyze; nothing leaks, pg_stat_statements keeps its entries, no transaction id is consumed."""
    if "pg_current_xact_id" in statement and leaky.backend.major < 13:
        pytest.skip("pg_current_xact_id is PostgreSQL 13+")
    leaky.replay("SELECT count(*) FROM t5 WHERE id = $1", [("1",)])
    outcome = without_new_xid(leaky, lambda: invoke(capsys, "explain", "-d", leaky.dsn, *mode, statement))
    assert_one_line_error(outcome, reason, "--allow-writes")
    assert leaked(leaky) == []
    with leaky.connect() as conn:
        assert conn.execute("SELECT count(*) FROM pg_stat_statements").fetchone()[0] > 0


def test_row_level_security_policies_of_the_current_role(capsys, leaky: TestDatabase) -> None:
    """The policy's function runs for the reader (not for the superuser, whom RLS bypasses): planned only."""
    outcome = explain(capsys, reader_dsn(leaky), "SELECT * FROM guarded")
    assert outcome.code == 0, outcome.err
    doc = json.loads(outcome.out)
    assert doc["analyzed"] is False and any("public.leak" in note for note in doc["notes"])
    assert leaked(leaky) == []
    as_owner = json.loads(explain(capsys, leaky.dsn, "SELECT * FROM guarded").out)
    assert as_owner["analyzed"] is True  # a superuser reads past the policy: nothing of it runs
    behind_view = json.loads(explain(capsys, reader_dsn(leaky), "SELECT * FROM owned_view").out)
    assert behind_view["analyzed"] is False and any("public.leak" in note for note in behind_view["notes"])
    assert leaked(leaky) == []
    ran = explain(capsys, reader_dsn(leaky), "--allow-writes", "SELECT * FROM owned_view")
    assert ran.code == 0 and leaked(leaky) == ["owner policy"]  # the view owner's policy did run
    leaky.execute("TRUNCATE leaks")


def test_select_into_is_a_write(capsys, leaky: TestDatabase) -> None:
    """SELECT … INTO creates and fills a table: refused before anything runs; CREATE TABLE AS too."""
    assert_one_line_error(invoke(capsys, "explain", "-d", leaky.dsn, "SELECT * INTO t5_copy FROM t5"),
                          "SELECT … INTO", "--allow-writes")
    assert_one_line_error(invoke(capsys, "explain", "-d", leaky.dsn, "CREATE TABLE t5_copy AS SELECT * FROM t5"),
                          "CREATE TABLE AS")
    with leaky.connect() as conn:
        assert conn.execute("SELECT to_regclass('t5_copy')").fetchone()[0] is None


def test_built_ins_on_the_allow_list_run(capsys, leaky: TestDatabase) -> None:
    """Operators, casts, aggregates and functions of PostgreSQL itself (information_schema's too) still run
    under ANALYZE."""
    statement = ("SELECT id::text, lower('A' || id), sum(id) OVER (), now(), random() FROM t5 "
                 "WHERE id BETWEEN 1 AND 2 AND id IN (1, 2) ORDER BY 1")
    doc = json.loads(explain(capsys, leaky.dsn, statement).out)
    assert doc["analyzed"] is True and doc["notes"] == []
    catalog = "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 't5'"
    doc = json.loads(explain(capsys, leaky.dsn, catalog).out)  # initdb's information_schema functions
    assert doc["analyzed"] is True and doc["notes"] == []


def test_controls_the_side_channel_and_the_planner_do_record_calls(capsys, leaky: TestDatabase) -> None:
    """With --allow-writes the same statements leak (dblink commits outside the rolled-back transaction) and
    consume a transaction id; planning alone calls an IMMUTABLE function: what the refusals above prevent."""
    xid = next_xid(leaky)
    assert explain(capsys, leaky.dsn, "--allow-writes", "SELECT txid_current()").code == 0
    assert next_xid(leaky) > xid
    assert explain(capsys, leaky.dsn, "--allow-writes", "SELECT t.attr_fn FROM t5 t WHERE id = 1").code == 0
    assert explain(capsys, leaky.dsn, "--allow-writes", "--no-analyze", "SELECT immutable_leak(1)").code == 0
    assert leaked(leaky) == ["attribute", "immutable"]
    leaky.execute("TRUNCATE leaks")
