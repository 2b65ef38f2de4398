"""version_support, connection_saturation, collation_mismatch and checkpoint_pressure: the real server's version and
synthetic ones, connections opened for real, a database's recorded collation version changed by the superuser,
and WAL written past a tiny max_wal_size on a throwaway server."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import datetime, timezone
from typing import Iterator

import pytest

from pgdiag.checks import run_checks
from pgdiag.checks.version_support import version_table
from pgdiag.config.model import Config
from pgdiag.core.findings import Finding
from pgdiag.core.snapshot import Snapshot
from pgdiag.db.dsn import parse
from pgdiag.db.server import LocalServer
from pgdiag.scan import scan
from tests.checks.health_server import connect, throwaway_server, wait_for
from tests.conftest import run_scan
from tests.pg import Backend
from tests.pg import TestDatabase as Database


def of(findings: list[Finding], check: str) -> list[Finding]:
    """The findings of `check`."""
    return [f for f in findings if f.check == check]


# version_support ---------------------------------------------------------------------------------

def synthetic(version_num: int, day: str) -> Snapshot:
    """A snapshot of nothing but a server version, taken on `day` (the check reads no collector)."""
    return Snapshot(target={"dsn": "x", "database": "x", "server_version": str(version_num),
                            "server_version_num": version_num},
                    collected_at=datetime.fromisoformat(day).replace(tzinfo=timezone.utc))


def test_version_support_silent_for_the_real_server_and_reads_its_version(db: Database) -> None:
    snapshot = run_scan(db).snapshot
    assert of(run_checks(snapshot).findings, "version_support") == []
    major, minor = divmod(snapshot.server_version_num, 10000)
    assert version_table().majors[major].latest_minor <= minor, "the shipped table is behind this server"
    [behind] = of(run_checks(synthetic(major * 10000 + minor - 1, "2026-12-02")).findings, "version_support")
    assert behind.evidence["minors_behind"] == 1 and behind.severity == "low"


@pytest.mark.parametrize(("version_num", "day", "expected"), [
    (130010, "2026-12-02", {("high", "end_of_life"), ("medium", 13)}),   # past its end of life, 13 minors behind
    (150003, "2027-06-01", {("medium", "end_of_life"), ("medium", 17)}),  # 163 days before it
    (160016, "2026-12-02", set()),                                       # supported, latest minor
    (170002, "2026-12-02", {("medium", 10)}),
    (180009, "2026-12-02", set()),                                       # newer than the table: not judged
    (190000, "2026-12-02", set()),                                       # a major the table does not know
])
def test_version_support_synthetic_versions(version_num: int, day: str, expected: set) -> None:
    findings = of(run_checks(synthetic(version_num, day)).findings, "version_support")
    got = {(f.severity, f.evidence.get("minors_behind", "end_of_life")) for f in findings}
    assert got == expected


def test_version_support_cut_offs_are_thresholds() -> None:
    config = Config(checks={"version_support": {"minors_behind": 20, "eol_warning_days": 0}})
    assert of(run_checks(synthetic(150003, "2027-06-01"), config).findings, "version_support") == []


# connection_saturation ---------------------------------------------------------------------------

def test_connection_saturation_counts_real_connections(db: Database) -> None:
    with ExitStack() as stack:
        for n in range(4):
            stack.enter_context(connect(db.dsn, f"pool_{n % 2}"))
        snapshot = run_scan(db).snapshot
    assert of(run_checks(snapshot).findings, "connection_saturation") == []
    config = Config(checks={"connection_saturation": {"used_percent": 1, "min_idle": 4, "idle_percent": 1}})
    used, idle = of(run_checks(snapshot, config).findings, "connection_saturation")
    assert used.evidence["connections"] >= 5 and used.evidence["max_connections"] == 60
    assert used.evidence["available"] == 60 - used.evidence["reserved"] and used.severity == "medium"
    assert idle.evidence["idle"] >= 4 and idle.severity == "low"
    assert idle.evidence["by_application"]["pool_0"] == 2 and "pool_0 2" in idle.recommendation


# collation_mismatch ------------------------------------------------------------------------------

def versioned_database_sql(major: int, name: str) -> str:
    """CREATE DATABASE with a collation that has a version on this build: ICU (15, 16) or builtin (17+)."""
    if major >= 17:
        return f"CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER builtin BUILTIN_LOCALE 'C.UTF-8' LOCALE 'C'"
    return f"CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en' LOCALE 'C'"


@pytest.fixture(scope="module")
def versioned(backend: Backend) -> Iterator[Database]:
    """A database whose default collation is versioned, with a text index and a non-text one."""
    name = "t_collation_versioned"
    with backend.admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(versioned_database_sql(backend.major, name))
    database = Database(backend, name)
    database.execute('CREATE TABLE "People" (id int PRIMARY KEY, email text)',
                     'CREATE UNIQUE INDEX "People_email_key" ON "People" (email)')
    yield database
    with backend.admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_collation_mismatch_after_the_recorded_version_changed(versioned: Database) -> None:
    assert of(run_scan(versioned).checks.findings, "collation_mismatch") == []
    with versioned.backend.admin() as conn:
        conn.execute("UPDATE pg_database SET datcollversion = '0.0-old' WHERE datname = %s", (versioned.name,))
    try:
        findings = of(run_scan(versioned).checks.findings, "collation_mismatch")
        elsewhere = of(run_scan(Database(versioned.backend, "postgres")).checks.findings, "collation_mismatch")
    finally:
        with versioned.backend.admin() as conn:
            conn.execute(f"ALTER DATABASE {versioned.name} REFRESH COLLATION VERSION")
    [finding] = findings
    assert finding.severity == "high" and finding.evidence["recorded_version"] == "0.0-old"
    assert finding.evidence["indexes"] == ["public.People_email_key"]  # not the integer primary key
    assert finding.fix_sql == ('REINDEX INDEX CONCURRENTLY public."People_email_key";\n'
                               f"ALTER DATABASE {versioned.name} REFRESH COLLATION VERSION;")
    [other] = [f for f in elsewhere if f.evidence["database"] == versioned.name]
    assert other.fix_sql is None and f"REINDEX DATABASE CONCURRENTLY {versioned.name}" in other.recommendation
    assert of(run_scan(versioned).checks.findings, "collation_mismatch") == []


# checkpoint_pressure -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_wal(backend: Backend) -> Iterator[LocalServer]:
    """A throwaway server whose max_wal_size is tiny, so writing WAL requests checkpoints."""
    with throwaway_server(backend, max_wal_size="32MB", min_wal_size="32MB") as server:
        yield server


def test_checkpoint_pressure_when_wal_outgrows_max_wal_size(small_wal: LocalServer) -> None:
    dsn = small_wal.dsn()
    target = parse(dsn)
    assert of(scan(target).checks.findings, "checkpoint_pressure") == []  # a fresh cluster: silent
    with connect(dsn, "writer") as conn:
        for n in range(3):
            conn.execute(f"CREATE TABLE wal_{n} AS SELECT g, md5(g::text) AS h FROM generate_series(1, 300000) g")
    snapshot = scan(target).snapshot
    config = Config(checks={"checkpoint_pressure": {"min_checkpoints": 2}})
    [finding] = of(run_checks(snapshot, config).findings, "checkpoint_pressure")
    assert finding.evidence["requested"] >= 2 and finding.evidence["max_wal_size_mb"] == 32
    assert finding.evidence["suggested_max_wal_size_mb"] >= 64
    assert finding.fix_sql.startswith("ALTER SYSTEM SET max_wal_size = '")
    assert of(run_checks(snapshot).findings, "checkpoint_pressure") == []  # under the default 10 checkpoints


def test_replication_slot_past_max_slot_wal_keep_size_loses_its_wal(small_wal: LocalServer) -> None:
    dsn = small_wal.dsn()
    with connect(dsn, "setup") as conn:
        conn.execute("SELECT pg_create_physical_replication_slot('doomed_slot', true)")
        conn.execute("ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'")
        conn.execute("SELECT pg_reload_conf()")
    try:
        with connect(dsn, "writer") as conn:
            for n in range(3):
                conn.execute(f"CREATE TABLE doomed_{n} AS SELECT g, md5(g::text) AS h FROM generate_series(1, 150000) g")
                conn.execute("SELECT pg_switch_wal()")
                conn.execute("CHECKPOINT")
        wait_for(dsn, "SELECT wal_status IN ('lost', 'unreserved') FROM pg_replication_slots "
                      "WHERE slot_name = 'doomed_slot'")
        findings = of(scan(parse(dsn)).checks.findings, "replication_slot_risk")
    finally:
        with connect(dsn, "cleanup") as conn:
            conn.execute("SELECT pg_drop_replication_slot('doomed_slot')")
            conn.execute("ALTER SYSTEM RESET max_slot_wal_keep_size")
            conn.execute("SELECT pg_reload_conf()")
    [doomed] = [f for f in findings if f.evidence.get("slot_name") == "doomed_slot"]
    status = doomed.evidence["wal_status"]
    assert (status, doomed.severity) in {("lost", "critical"), ("unreserved", "high")}
    assert doomed.evidence["max_slot_wal_keep_size_set"] is True
    assert not [f for f in findings if "max_slot_wal_keep_size is unlimited" in f.title]  # it is capped
