"""The server-health checks one by one on the shared test server: each condition made real, each check silent on a
fresh database, and a collector that fails alone."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from pgdiag.checks import run_checks
from pgdiag.config.model import Config
from pgdiag.core.findings import Finding
from pgdiag.core.snapshot import Snapshot
from pgdiag.db.dsn import parse
from pgdiag.scan import scan
from tests.checks.health_server import connect, wait_for
from tests.conftest import run_scan
from tests.pg import TestDatabase as Database

# checkpoint_pressure is judged silent on a fresh throwaway cluster instead (test_health_scenario): on the shared
# server every test module's DROP DATABASE requests a checkpoint.
HEALTH_CHECKS = ("xid_wraparound", "vacuum_blocked", "long_transaction", "blocking_locks", "replication_slot_risk",
                 "temp_spill", "constraint_not_validated", "connection_saturation", "collation_mismatch",
                 "version_support", "index_bloat", "replication_lag")


def findings_of(db: Database, check: str, **overrides: object) -> list[Finding]:
    """Scan `db` and return `check`'s findings under `overrides`."""
    snapshot = run_scan(db).snapshot
    return [f for f in run_checks(snapshot, Config(checks={check: overrides})).findings if f.check == check]


def test_silent_on_a_fresh_database(db: Database) -> None:
    result = run_scan(db)
    assert [f.title for f in result.checks.findings if f.check in HEALTH_CHECKS] == []
    assert not set(HEALTH_CHECKS) & set(result.checks.not_run)


def test_long_transaction_names_an_active_session_and_stays_silent_below_the_threshold(db: Database) -> None:
    sleeper = connect(db.dsn, "sleepy_report")
    worker = threading.Thread(target=lambda: sleeper.execute("SELECT pg_sleep(2.5)"), daemon=True)
    worker.start()
    try:
        wait_for(db.dsn, "SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name = 'sleepy_report' "
                         "AND state = 'active' AND now() - xact_start > interval '1 second'")
        snapshot = run_scan(db).snapshot
    finally:
        worker.join()
        sleeper.close()
    fired = [f for f in run_checks(snapshot, Config(checks={"long_transaction": {"active_seconds": 1}})).findings
             if f.check == "long_transaction"]
    [finding] = [f for f in fired if f.evidence["application_name"] == "sleepy_report"]
    assert "in one transaction" in finding.title and finding.severity == "medium"
    assert finding.query.text == "SELECT pg_sleep(2.5)" and finding.evidence["active_seconds"] >= 1
    assert finding.fix_sql == f"SELECT pg_terminate_backend({finding.evidence['pid']});"
    high = run_checks(snapshot, Config(checks={"long_transaction": {"active_seconds": 1, "high_seconds": 1}}))
    assert any(f.severity == "high" for f in high.findings if f.check == "long_transaction")
    assert [f for f in run_checks(snapshot).findings if f.check == "long_transaction"] == []


def save(snapshot: Snapshot, directory: Path) -> Path:
    """Write `snapshot` as pgdiag stores it; the path."""
    path = directory / "snapshot.json.gz"
    snapshot.save(path)
    return path


def test_blocking_locks_groups_a_chain_under_its_head_and_the_scan_never_waits(db: Database, tmp_path: Path) -> None:
    db.execute("CREATE TABLE chain_t (id int)")
    head = connect(db.dsn, "chain_head", autocommit=False)
    head.execute("LOCK TABLE chain_t IN ACCESS EXCLUSIVE MODE")
    alter, reader = connect(db.dsn, "chain_alter"), connect(db.dsn, "chain_reader")
    threads = [threading.Thread(target=lambda: alter.execute("ALTER TABLE chain_t ADD COLUMN x int"), daemon=True),
               threading.Thread(target=lambda: reader.execute("SELECT count(*) FROM chain_t").fetchone(),
                                daemon=True)]
    try:
        threads[0].start()
        wait_for(db.dsn, "SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name = 'chain_alter' "
                         "AND wait_event_type = 'Lock'")
        threads[1].start()
        wait_for(db.dsn, "SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name = 'chain_reader' "
                         "AND wait_event_type = 'Lock'")
        started = time.monotonic()
        snapshot = run_scan(db).snapshot
        seconds = time.monotonic() - started
    finally:
        head.rollback()
        for thread in threads:
            thread.join(timeout=15)
        for conn in (head, alter, reader):
            conn.close()
    assert seconds < 20
    config = Config(checks={"blocking_locks": {"min_wait_seconds": 0, "high_waiters": 2}})
    [finding] = [f for f in run_checks(snapshot, config).findings if f.check == "blocking_locks"]
    assert finding.evidence["blocker"]["application_name"] == "chain_head"
    waiters = {w["application_name"]: w for w in finding.evidence["waiters"]}
    assert set(waiters) == {"chain_alter", "chain_reader"} and finding.severity == "high"
    assert waiters["chain_alter"]["mode"] == "AccessExclusiveLock"
    assert waiters["chain_alter"]["pid"] in waiters["chain_reader"]["blocked_by"]
    assert finding.object.table == "chain_t" and "2 sessions waiting on public.chain_t" in finding.title
    assert [f for f in run_checks(snapshot).findings if f.check == "blocking_locks"] == []  # under 5 s of waiting
    stored = Snapshot.load(save(snapshot, tmp_path))  # a stored snapshot is judged the same way later
    again = [f for f in run_checks(stored, config).findings if f.check in HEALTH_CHECKS]
    assert [f.to_dict() for f in again] == [f.to_dict() for f in run_checks(snapshot, config).findings
                                             if f.check in HEALTH_CHECKS]


def test_vacuum_blocked_names_a_session_holding_a_snapshot(db: Database) -> None:
    holder = connect(db.dsn, "snapshot_holder", autocommit=False)
    holder.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    holder.execute("SELECT 1").fetchone()
    try:
        time.sleep(1.1)
        findings = findings_of(db, "vacuum_blocked", min_seconds=1)
    finally:
        holder.close()
    [finding] = [f for f in findings if f.evidence.get("application_name") == "snapshot_holder"]
    assert finding.evidence["kind"] == "session" and finding.evidence["xid_age"] >= 0
    assert "snapshot_holder" in finding.title and finding.fix_sql.startswith("SELECT pg_terminate_backend(")


def test_constraint_not_validated_foreign_key_and_its_fix(db: Database) -> None:
    db.execute('CREATE TABLE "cnvParent" (id int PRIMARY KEY)', "INSERT INTO \"cnvParent\" VALUES (1)",
               'CREATE TABLE cnv_child (id int, parent_id int)', "INSERT INTO cnv_child VALUES (1, 1)",
               'ALTER TABLE cnv_child ADD CONSTRAINT "cnvChildParent" FOREIGN KEY (parent_id) '
               'REFERENCES "cnvParent" NOT VALID')
    [finding] = [f for f in findings_of(db, "constraint_not_validated") if f.object.table == "cnv_child"]
    assert finding.evidence["type"] == "FOREIGN KEY" and finding.severity == "low"
    assert finding.fix_sql == 'ALTER TABLE public.cnv_child VALIDATE CONSTRAINT "cnvChildParent";'
    db.execute(finding.fix_sql)
    assert [f for f in findings_of(db, "constraint_not_validated") if f.object.table == "cnv_child"] == []


def test_temp_spill_suggests_work_mem_per_statement_and_role(db: Database) -> None:
    db.execute("CREATE TABLE spill_t AS SELECT g AS id, md5(g::text) AS label FROM generate_series(1, 60000) g",
               "SELECT pg_stat_statements_reset()")
    with connect(db.dsn, "spiller") as conn:
        conn.execute("SET work_mem = '64kB'")
        for _ in range(2):
            conn.execute("SELECT label FROM spill_t ORDER BY label").fetchall()
    snapshot = run_scan(db).snapshot
    config = Config(checks={"temp_spill": {"min_calls": 2, "min_temp_mb_per_call": 0.5}})
    [finding] = [f for f in run_checks(snapshot, config).findings if f.check == "temp_spill"]
    assert finding.query.calls == 2 and "spill_t" in finding.query.text
    suggested = finding.evidence["suggested_work_mem_mb"]
    assert suggested >= 2 * finding.evidence["temp_mb_per_call"]
    assert finding.fix_sql == f"SET LOCAL work_mem = '{suggested}MB';"
    assert f"ALTER ROLE postgres SET work_mem = '{suggested}MB';" in finding.recommendation
    assert [f for f in run_checks(snapshot).findings if f.check == "temp_spill"] == []  # default: 10 calls, 4 MiB


def test_xid_wraparound_severity_cut_offs_are_thresholds(db: Database) -> None:
    with db.connect() as conn:
        for _ in range(120):
            conn.execute("SELECT txid_current()")
    snapshot = run_scan(db).snapshot
    overrides = {"min_age": 100, "high_age": 100, "critical_age": 10**9}
    [finding] = [f for f in run_checks(snapshot, Config(checks={"xid_wraparound": overrides})).findings
                 if f.check == "xid_wraparound" and f.evidence["database"] == db.name]
    assert finding.severity == "high" and finding.evidence["xid_age"] >= 100
    assert finding.evidence["ids_left"] == 2**31 - max(finding.evidence["xid_age"], finding.evidence["mxid_age"])
    assert finding.evidence["freeze_max_age"] == 200_000_000 and not finding.evidence["past_freeze_max_age"]
    assert finding.fix_sql.startswith("VACUUM (FREEZE, VERBOSE) ")


def test_a_collector_refused_fails_alone_with_its_message(db: Database) -> None:
    role_dsn = db.backend.tcp_dsn(db.name)
    if role_dsn is None:
        pytest.skip("this backend offers no password role over TCP")
    db.execute("REVOKE SELECT ON pg_catalog.pg_prepared_xacts FROM PUBLIC")  # this database's catalog only
    try:
        result = scan(parse(role_dsn))
    finally:
        db.execute("GRANT SELECT ON pg_catalog.pg_prepared_xacts TO PUBLIC")
    status = {c.name: c for c in result.snapshot.collectors}
    assert status["prepared_xacts"].status == "error" and "permission denied" in status["prepared_xacts"].message
    assert result.checks.not_run["vacuum_blocked"] == "needs collector(s) prepared_xacts"
    others = ("activity", "lock_waits", "replication_slots", "replication", "database_ages", "table_ages",
              "unvalidated_constraints")
    assert all(status[name].status == "ok" for name in others), {n: status[n] for n in others}
    assert "long_transaction" not in result.checks.not_run


def test_an_unprivileged_role_sees_other_sessions_without_their_details(db: Database) -> None:
    """Without pg_read_all_stats, other roles' sessions are listed with their state and statement hidden (docs)."""
    role_dsn = db.backend.tcp_dsn(db.name)
    if role_dsn is None:
        pytest.skip("this backend offers no password role over TCP")
    with connect(db.dsn, "someone_else", autocommit=False) as other:
        other.execute("SELECT 1").fetchone()
        activity = scan(parse(role_dsn)).snapshot.frame("activity")
    mine = activity[activity["application_name"] == "someone_else"]
    assert len(mine) == 1 and mine["query"].iloc[0] == "<insufficient privilege>" and mine["state"].isna().all()
