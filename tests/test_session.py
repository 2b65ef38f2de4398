"""Every pgdiag session is read-only, time-boxed, named, and leaves no trace in the workload it analyses."""

from __future__ import annotations

import psycopg
import pytest

from pgdiag.db.dsn import parse
from pgdiag.db.session import SessionLimits, connect
from tests.conftest import run_scan
from tests.pg import Backend, TestDatabase, drop_database


def test_session_settings_are_safe(db: TestDatabase) -> None:
    with connect(parse(db.dsn)) as conn:
        shown = {name: conn.execute(f"SHOW {name}").fetchone()[0]
                 for name in ("transaction_read_only", "default_transaction_read_only", "statement_timeout",
                              "lock_timeout", "application_name")}
        assert shown == {"transaction_read_only": "on", "default_transaction_read_only": "on",
                         "statement_timeout": "30s", "lock_timeout": "1s", "application_name": "pgdiag"}
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("CREATE TABLE must_not_exist (id int)")


def test_limits_reach_the_server(db: TestDatabase) -> None:
    with connect(parse(db.dsn), SessionLimits(statement_timeout_ms=1500, lock_timeout_ms=250)) as conn:
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "1500ms"
        assert conn.execute("SHOW lock_timeout").fetchone()[0] == "250ms"


def test_scan_session_seen_from_pg_stat_activity(db: TestDatabase) -> None:
    seen: list[tuple] = []

    def look(collector: str) -> None:
        if collector == "columns":
            with db.connect() as admin:
                seen.extend(admin.execute(
                    "SELECT application_name, datname, state FROM pg_stat_activity "
                    "WHERE application_name = 'pgdiag' AND pid <> pg_backend_pid()").fetchall())

    from pgdiag.scan import scan

    scan(parse(db.dsn), on_progress=look)
    assert seen and all(row[0] == "pgdiag" and row[1] == db.name for row in seen)


def test_prisma_schema_parameter_becomes_search_path(db: TestDatabase) -> None:
    db.execute("CREATE SCHEMA IF NOT EXISTS app")
    host = dict(part.split("=", 1) for part in db.dsn.split())
    url = (f"postgresql://postgres@/{db.name}?host={host['host']}&port={host['port']}"
           "&schema=app&connection_limit=5&pool_timeout=10")
    with connect(parse(url)) as conn:
        assert conn.execute("SHOW search_path").fetchone()[0] == "app"


def test_own_statements_are_excluded_from_the_workload(db: TestDatabase) -> None:
    run_scan(db)
    with db.connect() as admin:
        marked = admin.execute("SELECT count(*) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
                               "WHERE d.datname = current_database() AND s.query LIKE '%/* pgdiag */%'").fetchone()[0]
    assert marked > 0, "pgdiag's own statements should be marked in pg_stat_statements"
    statements = run_scan(db).snapshot.frame("statements")
    assert not statements.empty
    assert not statements["query"].str.contains("/* pgdiag */", regex=False).any()


def test_session_lexes_as_pglast_whatever_the_database_says(capsys: pytest.CaptureFixture[str],
                                                           db: TestDatabase) -> None:
    """A database defaulting to standard_conforming_strings = off lexes 'x\\'' differently from pglast, so a
    text pglast reads as one statement could be several on the server (and 'COMMIT; BEGIN READ WRITE'
    would undo read-only). pgdiag sessions always lex as pglast: the generic-plan EXPLAIN of such a text
    runs nothing."""
    from tests.cli_helpers import invoke

    db.execute("CREATE TABLE IF NOT EXISTS session_log (msg text)",
               f"ALTER DATABASE {db.name} SET standard_conforming_strings = off")
    try:
        with connect(parse(db.dsn)) as conn:
            assert conn.execute("SHOW standard_conforming_strings").fetchone()[0] == "on"
            assert conn.execute("SHOW client_encoding").fetchone()[0] == "UTF8"
        payload = ("SELECT $1, 'x\\'\n'; COMMIT; BEGIN READ WRITE; INSERT INTO session_log VALUES ($$PWNED$$); "
                   "COMMIT; --'\n")
        invoke(capsys, "explain", "-d", db.dsn, payload)
    finally:
        db.execute(f"ALTER DATABASE {db.name} RESET standard_conforming_strings")
    with db.connect() as conn:
        assert conn.execute("SELECT count(*) FROM session_log").fetchone()[0] == 0


@pytest.mark.parametrize("encoding", ["LATIN1", "SQL_ASCII"])
def test_databases_in_other_encodings_are_read_as_text(backend: Backend, encoding: str) -> None:
    """pgdiag's sessions talk UTF-8 whatever the database's encoding: names are str (psycopg returned
    bytes under SQL_ASCII), and EXPLAIN's JSON with a non-ASCII name decodes (it failed under LATIN1)."""
    name = f"t_session_{encoding.lower()}"
    with backend.admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f"CREATE DATABASE \"{name}\" ENCODING '{encoding}' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'")
    db = TestDatabase(backend, name)
    try:
        db.execute("CREATE EXTENSION pg_stat_statements",
                   'CREATE TABLE "café" (id int PRIMARY KEY, "naïve" int)' if encoding == "LATIN1"
                   else 'CREATE TABLE "cafe" (id int PRIMARY KEY, "naive" int)',
                   "CREATE SEQUENCE near_end AS int", "SELECT setval('near_end', 2100000000)")
        table, column = ("café", "naïve") if encoding == "LATIN1" else ("cafe", "naive")
        db.execute(f'INSERT INTO "{table}" SELECT g, g FROM generate_series(1, 100000) g', "ANALYZE")
        db.reset_statements()
        db.replay(f'SELECT * FROM "{table}" WHERE "{column}" = $1', [(n,) for n in range(5)])
        result = run_scan(db)
        assert list(result.snapshot.frame("tables")["table"]) == [table]
        assert result.snapshot.status("statements").status == "ok"
        assert [f.object.table for f in result.checks.findings if f.check == "missing_index"] == [table]
        assert [f.object.table for f in result.checks.findings if f.check == "sequence_exhaustion"] == ["near_end"]
    finally:
        drop_database(db)
