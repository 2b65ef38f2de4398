"""Every pgdiag session is read-only, time-boxed, named, and leaves no trace in the workload it analyses."""

from __future__ import annotations

import psycopg
import pytest

from pgdiag.dsn import parse
from pgdiag.session import SessionLimits, connect
from tests.conftest import run_scan
from tests.pg import TestDatabase


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
