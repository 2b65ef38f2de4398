"""replication_lag and the standby side of vacuum_blocked with a real streaming standby cloned by pg_basebackup;
and a scan of the standby itself (in recovery, where the primary's WAL functions fail) collects everything."""

from __future__ import annotations

import json
from typing import Iterator

import psycopg
import pytest

from pgdiag.checks import run_checks
from pgdiag.config.model import Config
from pgdiag.core.findings import Finding
from pgdiag.db.dsn import parse
from pgdiag.db.server import LocalServer
from pgdiag.scan import ScanResult, scan
from tests.checks.health_server import connect, streaming_standby, throwaway_server, wait_for
from tests.pg import Backend

STANDBY = "test_standby"


@pytest.fixture(scope="module")
def pair(backend: Backend) -> Iterator[tuple[LocalServer, LocalServer]]:
    """A primary and its streaming standby (hot_standby_feedback on), both throwaway."""
    with throwaway_server(backend) as primary:
        with streaming_standby(primary, hot_standby_feedback="on", cluster_name=STANDBY) as standby:
            wait_for(primary.dsn(), f"SELECT count(*) = 1 FROM pg_stat_replication WHERE application_name = '{STANDBY}' "
                                    "AND state = 'streaming'")
            yield primary, standby


def of(result: ScanResult, check: str, **overrides: object) -> list[Finding]:
    """`check`'s findings on the scanned snapshot under `overrides`."""
    return [f for f in run_checks(result.snapshot, Config(checks={check: overrides})).findings if f.check == check]


def test_replication_lag_silent_while_the_standby_keeps_up(pair: tuple[LocalServer, LocalServer]) -> None:
    primary, _ = pair
    result = scan(parse(primary.dsn()))
    [row] = result.snapshot.frame("replication").to_dict("records")
    assert row["application_name"] == STANDBY and row["state"] == "streaming" and row["sync_state"] == "async"
    assert of(result, "replication_lag") == [] and of(result, "vacuum_blocked") == []


def test_replication_lag_when_replay_is_paused(pair: tuple[LocalServer, LocalServer]) -> None:
    primary, standby = pair
    with connect(standby.dsn(), "test") as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
    try:
        with connect(primary.dsn(), "writer") as conn:
            conn.execute("CREATE TABLE lag_t AS SELECT g, md5(g::text) AS h FROM generate_series(1, 50000) g")
        wait_for(primary.dsn(), "SELECT coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 0) > 2 * 1024 * 1024 "
                                "FROM pg_stat_replication")
        result = scan(parse(primary.dsn()))
    finally:
        with connect(standby.dsn(), "test") as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
    [finding] = of(result, "replication_lag", lag_mb=1)
    assert finding.evidence["application_name"] == STANDBY and finding.severity == "medium"
    assert finding.evidence["replay_lag_bytes"] > 2 * 1024 * 1024
    assert f"Standby '{STANDBY}'" in finding.title and "pg_wal_replay_resume" in finding.recommendation
    [high] = of(result, "replication_lag", lag_mb=1, high_lag_mb=1)
    assert high.severity == "high"
    json.dumps(finding.to_dict(), allow_nan=False)


def test_vacuum_blocked_names_a_standby_with_hot_standby_feedback(pair: tuple[LocalServer, LocalServer]) -> None:
    primary, standby = pair
    with psycopg.connect(standby.dsn()) as reader:  # a snapshot held on the standby, fed back to the primary
        reader.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        reader.execute("SELECT 1").fetchone()
        wait_for(primary.dsn(), "SELECT count(*) = 1 FROM pg_stat_replication WHERE backend_xmin IS NOT NULL")
        result = scan(parse(primary.dsn()))
    [finding] = [f for f in of(result, "vacuum_blocked", min_xid_age=0) if f.evidence["kind"] == "standby"]
    assert finding.evidence["application_name"] == STANDBY and "hot_standby_feedback" in finding.title
    json.dumps(finding.to_dict(), allow_nan=False)  # a standby on the Unix socket has no client_addr: null, not NaN


def test_a_scan_of_the_standby_collects_everything(pair: tuple[LocalServer, LocalServer]) -> None:
    _, standby = pair
    result = scan(parse(standby.dsn()))
    assert {c.name: c.status for c in result.snapshot.collectors if c.status != "ok"} == {
        "statements": "skipped", "statements_info": "skipped"}  # pg_stat_statements is not created there
    assert result.snapshot.frame("replication").empty
    assert of(result, "replication_lag") == []
