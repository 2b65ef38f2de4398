"""``pgdiag history``, ``pgdiag report`` and ``--keep`` through the real command line, on both stores,
and the bad-input matrix of ``--store``: one line on stderr, exit 2, and a file that is not a store
is never written to."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest

from pgdiag.config.model import Config
from pgdiag.db.dsn import parse
from pgdiag.db.server import free_port
from pgdiag.history.baseline import record_of
from pgdiag.history.store import open_store
from pgdiag.history.targets import target_key
from pgdiag.scan import scan
from tests.cli_helpers import assert_one_line_error, invoke
from tests.pg import (
    PASSWORD,
    PASSWORD_ROLE,
    Backend,
    TestDatabase,
    create_database,
    drop_database,
)
from tests.test_report_output import schema_errors, strict_loads


def two_scans(capsys: pytest.CaptureFixture[str], db: TestDatabase, store: str) -> list[int]:
    """Scan `db` twice into `store` (an index dropped in between); the two snapshot ids."""
    db.execute("DROP TABLE IF EXISTS cli_dup", "CREATE TABLE cli_dup (id int PRIMARY KEY, v int)",
               "CREATE INDEX cli_dup_v1 ON cli_dup (v)", "CREATE INDEX cli_dup_v2 ON cli_dup (v)")
    assert invoke(capsys, "scan", "-d", db.dsn, "--store", store).code == 0
    db.execute("DROP INDEX cli_dup_v2")
    assert invoke(capsys, "scan", "-d", db.dsn, "--store", store).code == 0
    doc = strict_loads(invoke(capsys, "history", "--store", store, "--json", "-").out)
    return [s["id"] for s in doc["snapshots"]]


def test_history_lists_snapshots_as_json_and_table(capsys, db: TestDatabase, store_spec: str) -> None:
    first, second = two_scans(capsys, db, store_spec)
    key = target_key(parse(db.dsn))
    outcome = invoke(capsys, "history", "--store", store_spec, "--json", "-")
    assert outcome.code == 0 and outcome.err == ""
    doc = strict_loads(outcome.out)
    assert [s["id"] for s in doc["snapshots"]] == [first, second] and second > first
    entry = doc["snapshots"][1]
    assert entry["target"] == key and entry["database"] == db.name
    assert entry["findings"]["medium"] < doc["snapshots"][0]["findings"]["medium"]  # the duplicate went
    assert entry["collected_at"] >= doc["snapshots"][0]["collected_at"]

    table = invoke(capsys, "history", "--store", store_spec)
    assert table.code == 0
    assert re.search(rf"│\s*{first}\s*│", table.out) and re.search(rf"│\s*{second}\s*│", table.out)
    filtered = strict_loads(invoke(capsys, "history", "--store", store_spec, "--target", "elsewhere:5432/x",
                                   "--json", "-").out)
    assert filtered["snapshots"] == []


def test_report_re_renders_a_stored_snapshot(capsys, db: TestDatabase, store_spec: str, tmp_path: Path) -> None:
    """``report --snapshot ID --html`` renders a stored snapshot with what changed since the one before it;
    the first snapshot has nothing before it."""
    first, second = two_scans(capsys, db, store_spec)
    html = tmp_path / "second.html"
    outcome = invoke(capsys, "report", "--store", store_spec, "--snapshot", str(second), "--html", str(html),
                     "--json", "-")
    assert outcome.code == 0, outcome.err
    doc = strict_loads(outcome.out)
    assert schema_errors(doc) == []
    assert doc["comparison"]["baseline"]["id"] == first
    [resolved] = doc["comparison"]["resolved"]
    assert resolved["object"]["index"] == "cli_dup_v2"
    page = html.read_text(encoding="utf-8")
    assert f"Changes since snapshot {first}" in page and "cli_dup_v2" in page

    old = strict_loads(invoke(capsys, "report", "--store", store_spec, "--snapshot", str(first), "--json", "-").out)
    assert "comparison" not in old and any(f["object"]["index"] == "cli_dup_v2" for f in old["findings"])
    assert_one_line_error(invoke(capsys, "report", "--store", store_spec, "--snapshot", "999999"),
                          "no snapshot 999999")


def test_report_without_snapshot_needs_a_target_when_the_store_has_several(
        capsys, db: TestDatabase, store_spec: str) -> None:
    result = scan(parse(db.dsn))
    with open_store(store_spec, create=True) as store:
        store.save(record_of(result, "one", "one", Config()))
        latest_two = store.save(record_of(result, "two", "two", Config()))
    assert_one_line_error(invoke(capsys, "report", "--store", store_spec), "holds 2 targets", "--target")
    outcome = invoke(capsys, "report", "--store", store_spec, "--target", "two", "--json", "-")
    assert outcome.code == 0, outcome.err
    assert strict_loads(outcome.out)["collected_at"] == result.snapshot.collected_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert_one_line_error(invoke(capsys, "report", "--store", store_spec, "--snapshot", str(latest_two),
                                 "--target", "one"), "is of target two")


def test_keep_prunes_old_snapshots_after_a_scan(capsys, db: TestDatabase, store_spec: str) -> None:
    """``scan --keep 90d`` deletes the snapshots of the target older than 90 days and keeps the new one;
    another target's only snapshot stays however old it is."""
    key = target_key(parse(db.dsn))
    result = scan(parse(db.dsn))
    long_ago = datetime.now(timezone.utc) - timedelta(days=120)
    with open_store(store_spec, create=True) as store:
        for target in (key, "other"):
            store.save(replace(record_of(result, target, None, Config()),
                               snapshot=replace(result.snapshot, collected_at=long_ago)))
    outcome = invoke(capsys, "scan", "-d", db.dsn, "--store", store_spec, "--keep", "90d", "--json", "-")
    assert outcome.code == 0, outcome.err
    assert "retention removed 1 snapshots" in outcome.err
    baseline = strict_loads(outcome.out)["comparison"]["baseline"]  # compared before pruning
    assert baseline["collected_at"] == long_ago.strftime("%Y-%m-%dT%H:%M:%SZ")
    targets = [s["target"] for s in strict_loads(invoke(capsys, "history", "--store", store_spec, "--json",
                                                        "-").out)["snapshots"]]
    assert sorted(targets) == sorted([key, "other"])

    outcome = invoke(capsys, "history", "--store", store_spec, "--keep", "1h", "--json", "-")
    assert outcome.code == 0 and "removed" not in outcome.err  # each target is down to its latest


@pytest.mark.parametrize("keep", ["90", "0d", "3 months", "-1d"])
def test_bad_keep_is_a_usage_error(capsys, tmp_path: Path, keep: str) -> None:
    assert_one_line_error(invoke(capsys, "history", "--store", str(tmp_path / "h.sqlite3"), "--keep", keep),
                          "--keep")


def test_keep_needs_a_store(capsys, monkeypatch) -> None:
    monkeypatch.delenv("PGDIAG_STORE", raising=False)
    assert_one_line_error(invoke(capsys, "scan", "-d", "dbname=x", "--keep", "90d"), "--keep needs --store")


def test_store_from_the_environment(capsys, db: TestDatabase, tmp_path: Path, monkeypatch) -> None:
    """PGDIAG_STORE supplies --store for scan and history alike."""
    monkeypatch.setenv("PGDIAG_STORE", str(tmp_path / "env.sqlite3"))
    assert invoke(capsys, "scan", "-d", db.dsn).code == 0
    assert len(strict_loads(invoke(capsys, "history", "--json", "-").out)["snapshots"]) == 1


# Bad input ---------------------------------------------------------------------------------------

def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def foreign_sqlite(path: Path) -> None:
    # closing(): a connection's `with` only commits; closed by the garbage collector, whenever it runs, it
    # would leave or remove its -wal file at a moment the test does not control.
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE users (id integer PRIMARY KEY, name text)")
        conn.execute("INSERT INTO users (name) VALUES ('alice')")


def damaged_store(path: Path) -> None:
    """A real store whose pages (everything after the 100-byte file header) are overwritten."""
    with open_store(str(path), create=True):
        pass
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[100:] = b"\xa5" * (len(data) - 100)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("make, message", [
    (foreign_sqlite, "is not a pgdiag store (it is another program's SQLite database)"),
    (lambda p: p.write_bytes(bytes(range(256)) * 64), "is not a pgdiag store (not an SQLite database)"),
    (lambda p: p.write_text("name,value\nfoo,1\n"), "is not a pgdiag store (not an SQLite database)"),
    (damaged_store, "corrupt"),  # "corrupt store, not written" by scan, "is corrupt" by history and report
], ids=["foreign-sqlite", "random-bytes", "text", "damaged"])
def test_a_file_that_is_not_a_store_is_refused_and_left_untouched(capsys, db: TestDatabase, tmp_path: Path,
                                                                 make, message: str) -> None:
    path = tmp_path / "store.sqlite3"
    make(path)
    before = digest(path)
    for argv in (["scan", "-d", db.dsn, "--store", str(path)], ["history", "--store", str(path)],
                 ["report", "--store", str(path)]):
        assert_one_line_error(invoke(capsys, *argv), str(path), message)
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.sqlite3"]


def test_unusable_store_paths(capsys, db: TestDatabase, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    assert_one_line_error(invoke(capsys, "scan", "-d", db.dsn, "--store", str(tmp_path)), "is a directory")
    assert_one_line_error(invoke(capsys, "scan", "-d", db.dsn, "--store", str(tmp_path / "a-file" / "h.sqlite3")),
                          "is not a directory")
    assert_one_line_error(invoke(capsys, "scan", "-d", db.dsn, "--store", str(tmp_path / "no" / "h.sqlite3")),
                          "does not exist")
    assert_one_line_error(invoke(capsys, "history", "--store", str(tmp_path / "missing.sqlite3")), "no store at")
    assert not (tmp_path / "missing.sqlite3").exists()


def test_unreachable_store_dsn(capsys, db: TestDatabase) -> None:
    url = f"postgresql://{PASSWORD_ROLE}:{PASSWORD}@127.0.0.1:{free_port()}/pgdiag_store"
    for argv in (["scan", "-d", db.dsn, "--store", url], ["history", "--store", url]):
        line = assert_one_line_error(invoke(capsys, *argv), "cannot connect to store", secrets=(PASSWORD,))
        assert "(password redacted)" in line


def test_store_database_that_does_not_exist(capsys, db: TestDatabase, backend: Backend) -> None:
    assert_one_line_error(invoke(capsys, "scan", "-d", db.dsn, "--store", backend.dsn("no_such_store_db")),
                          "cannot connect to store", 'database "no_such_store_db" does not exist')


def test_a_foreign_pgdiag_schema_is_refused_and_left_untouched(capsys, db: TestDatabase, backend: Backend) -> None:
    store_db = create_database(backend, "store_foreign_schema", extensions=())
    try:
        store_db.execute("CREATE SCHEMA pgdiag", "CREATE TABLE pgdiag.settings (k text, v text)",
                         "INSERT INTO pgdiag.settings VALUES ('a', 'b')")
        assert_one_line_error(invoke(capsys, "scan", "-d", db.dsn, "--store", store_db.dsn),
                              "holds objects that are not a pgdiag store")
        with store_db.connect() as conn:
            assert conn.execute("SELECT count(*) FROM pg_class WHERE relnamespace = 'pgdiag'::regnamespace"
                                ).fetchone()[0] == 1
            assert conn.execute("SELECT * FROM pgdiag.settings").fetchall() == [("a", "b")]
    finally:
        drop_database(store_db)


def test_a_read_only_store_role_gets_one_line(capsys, db: TestDatabase, backend: Backend) -> None:
    """A store role without CREATE on the database cannot create the schema: one line that says what to grant."""
    url = backend.tcp_dsn("store_no_create")
    if url is None:
        pytest.skip("this backend offers no password login")
    store_db = create_database(backend, "store_no_create", extensions=())
    try:
        store_db.execute(f"REVOKE CREATE ON DATABASE store_no_create FROM PUBLIC, {PASSWORD_ROLE}",
                         "REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        assert_one_line_error(invoke(capsys, "scan", "-d", db.dsn, "--store", url), "permission denied",
                              "CREATE on the database", secrets=(PASSWORD,))
        with psycopg.connect(store_db.dsn) as conn:
            assert conn.execute("SELECT to_regnamespace('pgdiag')").fetchone()[0] is None
    finally:
        drop_database(store_db)


def test_the_default_store(capsys, db: TestDatabase, tmp_path: Path, monkeypatch) -> None:
    """``--store default`` is history.sqlite3 in the user's data directory (created with it); history and
    report read it when no store is given."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("PGDIAG_STORE", raising=False)
    assert invoke(capsys, "scan", "-d", db.dsn, "--store", "default").code == 0
    assert (tmp_path / "data" / "pgdiag" / "history.sqlite3").is_file()
    doc = strict_loads(invoke(capsys, "history", "--json", "-").out)
    assert doc["store"] == str(tmp_path / "data" / "pgdiag" / "history.sqlite3") and len(doc["snapshots"]) == 1
    assert invoke(capsys, "report").code == 0
