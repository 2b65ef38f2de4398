"""Collectors on a real server: every query runs on this major, failures and missing prerequisites are reported."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import psycopg
import pytest

from pgdiag.collect.runner import COLLECTORS
from pgdiag.core.errors import PgdiagError
from pgdiag.core.snapshot import Snapshot
from pgdiag.db import planner, queries
from pgdiag.db.session import SessionLimits
from pgdiag.explain import run as explain_run
from pgdiag.explain import reach
from pgdiag.sql.workload import workload
from tests.cli_helpers import invoke
from tests.conftest import run_scan
from tests.pg import TestDatabase, create_database, drop_database


@pytest.mark.parametrize("major", range(13, 19))
def test_every_collector_has_a_query_for_every_supported_major(major: int) -> None:
    for name in COLLECTORS:
        assert queries.path_for(name, major * 10000).exists()


@pytest.mark.parametrize("major", range(13, 19))
def test_every_planner_query_has_a_file_for_every_supported_major(major: int) -> None:
    needed = [name for name in planner.QUERIES if name != "explain_generic" or major >= 16]
    for name in needed:
        assert queries.path_for(name, major * 10000).exists()


def test_every_query_file_is_used() -> None:
    assert set(queries.names()) == (set(COLLECTORS) | set(planner.QUERIES) | set(explain_run.QUERIES)
                                    | set(reach.QUERIES))


def test_all_collectors_succeed(db: TestDatabase) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS coll_parent (id serial PRIMARY KEY)",
               "CREATE TABLE IF NOT EXISTS coll_child (id int PRIMARY KEY, parent_id int REFERENCES coll_parent)",
               "CREATE INDEX IF NOT EXISTS coll_child_partial ON coll_child (parent_id) WHERE id > 0")
    snapshot = run_scan(db).snapshot
    assert {c.name: c.status for c in snapshot.collectors} == {name: "ok" for name in COLLECTORS}
    tables = snapshot.frame("tables").set_index("table")
    assert tables.loc["coll_child", "has_primary_key"]
    indexes = snapshot.frame("indexes").set_index("index")
    assert indexes.loc["coll_child_partial", "predicate"] == "(id > 0)"
    assert indexes.loc["coll_child_partial", "columns"] == ["parent_id"]
    fks = snapshot.frame("foreign_keys").set_index("table")
    assert fks.loc["coll_child", "parent_table"] == "coll_parent"
    sequences = snapshot.frame("sequences").set_index("sequence")
    assert sequences.loc["coll_parent_id_seq", "column"] == "id"
    assert sequences.loc["coll_parent_id_seq", "column_max"] == 2147483647
    columns = snapshot.frame("columns")
    child = columns[columns["table"] == "coll_child"]
    assert child[["column", "position", "type", "not_null"]].values.tolist() == [
        ["id", 1, "integer", True], ["parent_id", 2, "integer", False]]
    assert snapshot.target["server_version_num"] // 10000 == db.backend.major


def test_missing_pg_stat_statements_is_skipped_with_the_fix(capsys, backend) -> None:
    bare = create_database(backend, "t_collectors_bare", extensions=())
    try:
        bare.execute("CREATE TABLE nopk (x int)")
        snapshot = run_scan(bare).snapshot
        status = {c.name: c for c in snapshot.collectors}
        assert status["statements"].status == "skipped"
        assert "CREATE EXTENSION pg_stat_statements;" in status["statements"].message
        assert all(status[name].status == "ok" for name in ("tables", "indexes", "foreign_keys", "sequences"))
        outcome = invoke(capsys, "scan", "-d", bare.dsn)
        assert outcome.code == 0
        assert "CREATE EXTENSION pg_stat_statements;" in outcome.out
    finally:
        drop_database(bare)


def test_hidden_statement_texts_are_reported(db: TestDatabase) -> None:
    db.execute("DROP ROLE IF EXISTS pgdiag_reader", "CREATE ROLE pgdiag_reader LOGIN",
               "CREATE TABLE IF NOT EXISTS coll_secret (id int)", "SELECT count(*) FROM coll_secret")
    from pgdiag.db.dsn import parse
    from pgdiag.scan import scan

    snapshot = scan(parse(db.dsn.replace("user=postgres", "user=pgdiag_reader"))).snapshot
    status = snapshot.status("statements")
    assert status is not None and status.status == "ok"
    assert "GRANT pg_read_all_stats TO pgdiag_reader;" in (status.message or "")


def test_side_session_shares_the_catalog_queue_and_its_absence_costs_nothing(db: TestDatabase) -> None:
    """The plain catalog collectors are shared between the second session and the main one, each run
    once; when the second session cannot open (here: a port nothing listens on), the main session
    collects them all, and the snapshot is the same either way."""
    from pgdiag.collect import collect
    from pgdiag.db.dsn import parse
    from pgdiag.db.session import connect
    from pgdiag.db.side_session import SHARED_COLLECTORS, SideQueries

    db.execute("CREATE TABLE IF NOT EXISTS coll_shared (id int PRIMARY KEY, v text)")
    target = parse(db.dsn)
    side, refused = SideQueries(target), SideQueries(parse(re.sub(r"port=\d+", "port=1", db.dsn)))
    with connect(target) as conn:
        beside = collect(conn, target.display, side=side)
        alone = collect(conn, target.display, side=refused)
    assert side.ran and set(side.ran) <= set(SHARED_COLLECTORS) and refused.ran == []
    assert side.results == {}  # handed over to the snapshot, not kept beside it
    assert side.claim() is None and refused.claim() is None
    for snapshot in (beside, alone):
        assert [c.name for c in snapshot.collectors] == list(COLLECTORS)
        assert all(snapshot.status(name).status == "ok" for name in SHARED_COLLECTORS)
        assert not snapshot.frame("tables").empty and not snapshot.frame("indexes").empty
    for name, key in (("tables", "table"), ("indexes", "index"), ("column_stats", "column")):
        assert sorted(beside.frame(name)[key]) == sorted(alone.frame(name)[key])


def test_statements_left_out_of_analysis_are_counted(db: TestDatabase) -> None:
    """Utility statements are not analysed, and the statements collector says how many there were."""
    db.reset_statements()
    db.execute("SET work_mem = '8MB'", "CHECKPOINT", "CREATE TABLE IF NOT EXISTS coll_counted (id int)",
               "SELECT count(*) FROM coll_counted")
    status = run_scan(db).snapshot.status("statements")
    assert status is not None and status.status == "ok"
    match = re.search(r"(\d+) statements not analysed \((\d+) utility\)", status.message or "")
    assert match and int(match.group(1)) == int(match.group(2)) >= 3, status.message


def test_statements_too_deep_to_analyse_are_counted_and_long_unions_analysed(db: TestDatabase) -> None:
    """One statement nested too deep for the statement model is left out and counted, not fatal to the
    scan; a UNION ALL of a thousand branches (a tree as deep) is analysed."""
    db.reset_statements()
    db.execute("CREATE TABLE IF NOT EXISTS coll_deep (id int, a int, b int)",
               "SELECT 1 FROM coll_deep WHERE " + "(a = 1 OR " * 1200 + "b = 2" + ")" * 1200,
               " UNION ALL ".join(["SELECT id FROM coll_deep"] * 1000))
    result = run_scan(db)
    status = result.snapshot.status("statements")
    assert status is not None and status.status == "ok"
    assert re.search(r"\b1 nested too deeply to analyse\b", status.message or ""), status.message
    unions = [s for s in workload(result.snapshot).statements if s.ref.text.count("UNION ALL") == 999]
    assert len(unions) == 1 and len(unions[0].statement.refs) == 1000


def test_passwords_in_utility_statements_never_leave_the_collector(db: TestDatabase, tmp_path: Path) -> None:
    """pg_stat_statements keeps utility statements as written, passwords included: the scan's frames, JSON,
    HTML and Markdown hold the statement with the password hidden."""
    db.reset_statements()
    db.execute("DROP ROLE IF EXISTS coll_pw", "CREATE ROLE coll_pw", "ALTER ROLE coll_pw PASSWORD 'S3cretPw'",
               "ALTER ROLE coll_pw PASSWORD/* new */'S3cretPw1'", "ALTER ROLE coll_pw PASSWORD E'S3cretPw\\'2'")
    result = run_scan(db)
    texts = list(result.snapshot.frame("statements")["query"])
    assert "ALTER ROLE coll_pw PASSWORD '***'" in texts
    assert not [text for text in texts if "S3cretPw" in text]
    from pgdiag.cli import run

    outputs = [tmp_path / "r.json", tmp_path / "r.html", tmp_path / "r.md"]
    assert run(["scan", "-d", db.dsn, "--json", str(outputs[0]), "--html", str(outputs[1]),
                "--markdown", str(outputs[2])]) in (0, 1)
    page = outputs[1].read_text(encoding="utf-8")
    assert "coll_pw" in page and all("S3cretPw" not in path.read_text(encoding="utf-8") for path in outputs)


def test_workload_shares_add_up_to_all_statement_time(db: TestDatabase) -> None:
    """The workload's total is every top-level statement's time, so each share is at most 100 % and the
    analysed statements' shares add up to at most 100 % (they miss only what was left out)."""
    db.reset_statements()
    db.execute("CREATE TABLE IF NOT EXISTS coll_share (id int PRIMARY KEY, v int)",
               "INSERT INTO coll_share SELECT g, g FROM generate_series(1, 20000) g ON CONFLICT DO NOTHING")
    db.replay("SELECT count(*) FROM coll_share WHERE v > $1", [(n,) for n in range(30)])
    db.replay("SELECT v FROM coll_share WHERE id = $1", [(n,) for n in range(5)])
    result = run_scan(db)
    load = workload(result.snapshot)
    frame = result.snapshot.frame("statements")
    top = frame[frame["toplevel"].astype(bool) & (frame["database"] == db.name)]
    assert load.total_ms == pytest.approx(float(top["total_exec_time"].sum()))
    shares = [load.share(item.ref) for item in load.statements]
    assert len(shares) >= 2 and all(0 <= share <= 100 for share in shares)
    assert sum(shares) <= 100 + 1e-6


def test_user_schema_in_the_search_path_is_the_statement_role_s(db: TestDatabase) -> None:
    """With the default search_path ("$user", public), an unqualified table resolves to the schema named after
    the role that ran the statement when that schema has it, as on the server, else to public."""
    import psycopg as pg

    db.execute("DROP SCHEMA IF EXISTS coll_app CASCADE", "DROP ROLE IF EXISTS coll_app",
               "CREATE ROLE coll_app LOGIN", "CREATE SCHEMA coll_app AUTHORIZATION coll_app",
               "CREATE TABLE coll_app.coll_ledger (id int PRIMARY KEY, k int)",
               "ALTER TABLE coll_app.coll_ledger OWNER TO coll_app",
               "CREATE TABLE IF NOT EXISTS public.coll_ledger (id int PRIMARY KEY, k int)",
               "CREATE TABLE IF NOT EXISTS public.coll_only_public (id int PRIMARY KEY)",
               "GRANT SELECT ON public.coll_only_public TO coll_app")
    db.reset_statements()
    with pg.connect(db.dsn.replace("user=postgres", "user=coll_app"), autocommit=True) as conn:
        assert conn.execute("SHOW search_path").fetchone()[0] == '"$user", public'
        conn.execute("SELECT count(*) FROM coll_ledger WHERE k = %s", [1]).fetchall()
        conn.execute("SELECT count(*) FROM coll_only_public").fetchall()
    with db.connect() as conn:  # the same text as postgres reads public.coll_ledger (one queryid on 18)
        conn.execute("SELECT count(*) FROM coll_ledger WHERE k = %s", [1]).fetchall()
    resolved = {(ref.schema, ref.table) for item in workload(run_scan(db).snapshot).statements
                for ref in item.statement.refs}
    assert {("coll_app", "coll_ledger"), ("public", "coll_ledger"), ("public", "coll_only_public")} <= resolved


def test_locked_relations_are_not_sized_and_nothing_waits(db: TestDatabase) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS coll_locked (id serial PRIMARY KEY, v text)")
    holder = db.connect()
    holder.autocommit = False
    holder.execute("LOCK TABLE coll_locked IN ACCESS EXCLUSIVE MODE")
    holder.execute("ALTER SEQUENCE coll_locked_id_seq INCREMENT 1")
    try:
        started = time.monotonic()
        snapshot = run_scan(db).snapshot
        elapsed = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    # A collector that queued behind the lock would take lock_timeout and fail: none comes near it, every one
    # succeeds, and the whole scan (more collectors and checks since issue 19; a loaded 2-core machine) stays
    # well under the time one wait per collector would add up to.
    lock_timeout = SessionLimits().lock_timeout_ms / 1000
    assert [c.name for c in snapshot.collectors if c.seconds >= lock_timeout / 2] == [], "a collector waited for a lock"
    assert elapsed < 3 * lock_timeout, "the scan waited for a lock"
    assert all(c.status == "ok" for c in snapshot.collectors), snapshot.collectors
    tables = snapshot.frame("tables").set_index("table")
    assert tables.loc["coll_locked", "size_skipped"] and tables["table_bytes"].isna().sum() == 1
    assert "ACCESS EXCLUSIVE" in (snapshot.status("tables").message or "")
    locks = snapshot.frame("locks")
    assert "coll_locked" in set(locks["relation"])


def test_queued_exclusive_lock_does_not_make_the_scan_wait(db: TestDatabase) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS coll_queued (id int)")
    reader = db.connect()
    reader.autocommit = False
    reader.execute("SELECT * FROM coll_queued")
    waiter = db.connect()
    waiter.autocommit = False
    blocked = threading.Thread(target=lambda: waiter.execute("LOCK TABLE coll_queued IN ACCESS EXCLUSIVE MODE"))
    blocked.start()
    try:
        db.wait_until("SELECT count(*) > 0 FROM pg_locks WHERE relation = 'coll_queued'::regclass AND NOT granted")
        snapshot = run_scan(db).snapshot
    finally:
        reader.rollback()
        blocked.join()
        waiter.rollback()
        reader.close()
        waiter.close()
    assert snapshot.ok("tables")
    assert snapshot.frame("tables").set_index("table").loc["coll_queued", "size_skipped"]


def test_snapshot_round_trip_gives_the_same_findings(db: TestDatabase, tmp_path: Path) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS coll_nokey (v text)")
    result = run_scan(db)
    path = tmp_path / "snap.json.gz"
    result.snapshot.save(path)
    loaded = Snapshot.load(path)
    from pgdiag.checks import run_checks

    # Both without the live planner: what-if costing is not part of a stored snapshot.
    again, before = run_checks(loaded), run_checks(result.snapshot)
    assert [f.to_dict() for f in again.findings] == [f.to_dict() for f in before.findings]
    assert any(f.check == "no_primary_key" for f in again.findings)
    for name, frame in result.snapshot.frames.items():
        assert list(loaded.frame(name).columns) == list(frame.columns)
        assert len(loaded.frame(name)) == len(frame)


@pytest.mark.parametrize("content", [b"not gzip at all", b"\x1f\x8b\x08\x00garbage"])
def test_corrupt_snapshot_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.json.gz"
    path.write_bytes(content)
    with pytest.raises(PgdiagError, match="cannot read snapshot"):
        Snapshot.load(path)


def test_foreign_json_is_not_a_snapshot(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "other.json.gz"
    with gzip.open(path, "wt") as fh:
        fh.write('{"format": "something-else"}')
    with pytest.raises(PgdiagError, match="not a pgdiag snapshot"):
        Snapshot.load(path)


def test_connection_error_is_not_a_psycopg_error(db: TestDatabase) -> None:
    from pgdiag.core.errors import ConnectError

    with pytest.raises(ConnectError):
        from pgdiag.db.dsn import parse
        from pgdiag.db.session import connect

        connect(parse(db.dsn.replace(f"dbname={db.name}", "dbname=absent_db")))
    assert issubclass(ConnectError, PgdiagError) and not issubclass(ConnectError, psycopg.Error)


def test_equal_catalog_values_are_one_object_in_the_frames(db: TestDatabase) -> None:
    """A catalog of thousands of tables repeats each schema and column name, and each index's column list, on
    every row: the frames hold one object per distinct value (bench/scale.py: 239 MB → 180 MB peak on 5,000
    tables), with the same values and types as before, and the collectors' results are not kept beside them."""
    for n in range(3):
        db.execute(f'CREATE TABLE IF NOT EXISTS "shared_{n}" ("id" int PRIMARY KEY, "organizationId" int, "b" int)')
        db.execute(f'CREATE INDEX IF NOT EXISTS "shared_{n}_org_b" ON "shared_{n}" ("organizationId", "b")')
    snapshot = run_scan(db).snapshot
    indexes = snapshot.frame("indexes")
    mine = indexes[indexes["index"].str.startswith("shared_") & indexes["index"].str.endswith("_org_b")]
    assert len(mine) == 3
    lists, schemas = mine["columns"].tolist(), mine["schema"].tolist()
    assert lists[0] == ["organizationId", "b"] and lists[0] is lists[1] is lists[2]
    assert schemas[0] == "public" and schemas[0] is schemas[1] is schemas[2]
    columns = snapshot.frame("columns")
    names = columns[columns["table"].str.startswith("shared_") & columns["column"].eq("organizationId")]["column"]
    assert len(names) == 3 and len({id(name) for name in names}) == 1
    assert indexes["idx_scan"].dtype.kind in "iuf" and indexes["is_valid"].dtype == bool
