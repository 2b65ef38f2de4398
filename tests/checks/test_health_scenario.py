"""Issue 19's "must show": on one server, at once, a prepared transaction, an inactive physical slot, a session
idle in transaction, a session blocked behind ACCESS EXCLUSIVE, a NOT VALID constraint, a statement spilling
its sort to disk and ``[checks.xid_wraparound] min_age = 100`` in pgdiag.toml. Each is flagged by its check,
naming the planted object, and the scan (through the real command line) finishes quickly while the lock is held.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Iterator

import pytest

from pgdiag.db.server import LocalServer
from tests.checks.health_server import blocked_behind_access_exclusive, connect, throwaway_server, wait_for
from tests.cli_helpers import invoke
from tests.pg import Backend
from tests.test_report_output import schema_errors, strict_loads

GID = "pgdiag_planted_gid"
SLOT = "pgdiag_planted_slot"
UNRESERVED_SLOT = "pgdiag_unreserved_slot"
CONFIG = """
[checks.xid_wraparound]
min_age = 100
[checks.long_transaction]
idle_in_transaction_seconds = 1
[checks.vacuum_blocked]
min_seconds = 1
[checks.blocking_locks]
min_wait_seconds = 0
[checks.temp_spill]
min_calls = 1
min_temp_mb_per_call = 0.5
"""


@pytest.fixture(scope="module")
def server(backend: Backend) -> Iterator[LocalServer]:
    """A server of this major of its own, with two-phase commit enabled."""
    with throwaway_server(backend, max_prepared_transactions="5") as server:
        with connect(server.dsn(), "setup") as conn:
            conn.execute("CREATE DATABASE health")
        yield server


def plant(dsn: str) -> None:
    """Everything but the sessions: tables, a NOT VALID constraint, a prepared transaction, a slot, a spilling
    sort, and enough transactions that the database is more than 100 IDs old."""
    with connect(dsn, "setup") as conn:
        conn.execute("CREATE EXTENSION pg_stat_statements")
        conn.execute("CREATE TABLE orders (id int PRIMARY KEY, amount int)")
        conn.execute("INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g")
        conn.execute("ALTER TABLE orders ADD CONSTRAINT orders_amount_positive CHECK (amount > 0) NOT VALID")
        conn.execute("CREATE TABLE locked_table (id int)")
        conn.execute("CREATE TABLE sort_me AS SELECT g AS id, md5(g::text) AS label FROM generate_series(1, 60000) g")
        others = conn.execute("SELECT oid::regclass::text FROM pg_class WHERE relkind IN ('r', 'm') "
                              "AND relname NOT IN ('orders', 'locked_table', 'sort_me')").fetchall()
        for (table,) in others:  # orders is left the oldest table: the first the fix must name
            conn.execute(f"VACUUM (FREEZE) {table}")
        for _ in range(150):
            conn.execute("SELECT txid_current()")
        conn.execute("SELECT pg_create_physical_replication_slot(%s, true)", (SLOT,))
        conn.execute("SELECT pg_create_physical_replication_slot(%s)", (UNRESERVED_SLOT,))
        conn.execute("SET work_mem = '64kB'")
        conn.execute("SELECT label FROM sort_me ORDER BY label DESC").fetchall()
    with connect(dsn, "two_phase_app", autocommit=False) as conn:
        conn.execute("INSERT INTO orders VALUES (1000, 5)")
        conn.execute(f"PREPARE TRANSACTION '{GID}'")


def test_every_planted_condition_is_flagged_while_the_lock_is_held(server: LocalServer, capsys,
                                                                     tmp_path: Path) -> None:
    dsn = server.dsn("health")
    plant(dsn)
    config = tmp_path / "pgdiag.toml"
    config.write_text(CONFIG)
    idle = connect(dsn, "idle_app", autocommit=False)
    idle.execute("SELECT count(*) FROM orders").fetchone()  # and stays in its transaction
    try:
        with blocked_behind_access_exclusive(dsn, "locked_table", "locker_app", "waiter_app"):
            time.sleep(1.2)  # past idle_in_transaction_seconds
            started = time.monotonic()
            outcome = invoke(capsys, "scan", "-d", dsn, "--config", str(config), "--json", "-",
                             "--html", str(tmp_path / "report.html"), "--markdown", str(tmp_path / "report.md"))
            seconds = time.monotonic() - started
    finally:
        idle.close()
        with connect(dsn, "cleanup") as conn:
            conn.execute(f"ROLLBACK PREPARED '{GID}'")
            conn.execute("SELECT pg_drop_replication_slot(%s)", (SLOT,))
            conn.execute("SELECT pg_drop_replication_slot(%s)", (UNRESERVED_SLOT,))

    assert outcome.code == 0, outcome.err
    assert seconds < 20, f"the scan took {seconds:.1f} s while the lock was held"
    document = strict_loads(outcome.out)
    assert schema_errors(document) == []
    by_check: dict[str, list[dict]] = {}
    for finding in document["findings"]:
        by_check.setdefault(finding["check"], []).append(finding)
    assert all(c["status"] == "ok" for c in document["collectors"]), document["collectors"]

    [prepared] = [f for f in by_check["vacuum_blocked"] if f["evidence"]["kind"] == "prepared"]
    assert prepared["evidence"]["gid"] == GID and GID in prepared["title"]
    assert prepared["fix_sql"] == f"ROLLBACK PREPARED '{GID}';"

    slot = next(f for f in by_check["replication_slot_risk"] if f["evidence"].get("slot_name") == SLOT)
    assert not slot["evidence"]["active"] and slot["evidence"]["retained_bytes"] > 0
    assert slot["fix_sql"] == f"SELECT pg_drop_replication_slot('{SLOT}');"
    assert slot["severity"] == "medium" and "retains" in slot["title"]
    unreserved = next(f for f in by_check["replication_slot_risk"] if f["evidence"].get("slot_name") == UNRESERVED_SLOT)
    assert unreserved["severity"] == "low" and unreserved["evidence"]["retained_bytes"] is None

    [idle_finding] = [f for f in by_check["long_transaction"] if f["evidence"]["application_name"] == "idle_app"]
    assert "idle in transaction" in idle_finding["title"] and idle_finding["evidence"]["idle_seconds"] >= 1
    assert "SELECT count(*) FROM orders" in idle_finding["query"]["text"]

    [blocking] = by_check["blocking_locks"]
    assert blocking["object"]["table"] == "locked_table"
    assert blocking["evidence"]["blocker"]["application_name"] == "locker_app"
    assert blocking["evidence"]["held_modes"] == ["AccessExclusiveLock"]
    [waiter] = blocking["evidence"]["waiters"]
    assert waiter["application_name"] == "waiter_app" and waiter["mode"] == "AccessShareLock"

    [constraint] = by_check["constraint_not_validated"]
    assert constraint["evidence"]["constraint"] == "orders_amount_positive"
    assert constraint["fix_sql"] == "ALTER TABLE public.orders VALIDATE CONSTRAINT orders_amount_positive;"

    [spill] = [f for f in by_check["temp_spill"] if "sort_me" in f["query"]["text"]]
    assert spill["evidence"]["temp_mb_per_call"] >= 0.5 and spill["evidence"]["suggested_work_mem_mb"] >= 1

    [wraparound] = [f for f in by_check["xid_wraparound"] if f["evidence"]["database"] == "health"]
    assert wraparound["evidence"]["xid_age"] >= 100
    assert wraparound["fix_sql"].splitlines()[0] == "VACUUM (FREEZE, VERBOSE) public.orders;"
    assert wraparound["evidence"]["oldest_tables"][0]["table"] == "orders"

    header = (tmp_path / "report.html").read_text().split("</header>")[0]
    assert "Cache hit ratio" in header and re.search(r"<dd>\d+\.\d %</dd>", header)
    assert "Oldest xmin" in header and f"prepared transaction &#39;{GID}&#39;" in header
    assert "oldest xmin" in (tmp_path / "report.md").read_text() and "pgdiag\\_planted\\_gid" in (
        tmp_path / "report.md").read_text()


def test_the_same_server_is_silent_once_the_conditions_are_gone(server: LocalServer, capsys) -> None:
    """Defaults, nothing planted left: none of the server-health checks reports anything."""
    dsn = server.dsn("health")
    wait_for(dsn, "SELECT count(*) = 0 FROM pg_prepared_xacts")
    outcome = invoke(capsys, "scan", "-d", dsn, "--json", "-")
    document = json.loads(outcome.out)
    health = {"vacuum_blocked", "replication_slot_risk", "long_transaction", "blocking_locks", "temp_spill",
              "xid_wraparound", "checkpoint_pressure", "connection_saturation", "collation_mismatch", "version_support",
              "index_bloat", "replication_lag"}
    assert [f["title"] for f in document["findings"] if f["check"] in health] == []
    terminal = invoke(capsys, "scan", "-d", dsn)
    assert "cache hit ratio" in terminal.out and "oldest xmin: nothing holds vacuum back" in terminal.out
