"""kill -9 in the middle of a store write: the store still opens and the previous snapshot is intact.

A subprocess (store_writer.py) writes a large snapshot again and again. Once one write has
completed, the test waits until the writer is inside its next write transaction (SQLite: it holds
the write lock; PostgreSQL: its session has a transaction id) and kills it with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from pgdiag.history.store import is_dsn, open_store
from tests.history.store_writer import FINDINGS, ROWS, large_record

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_S = 120


def writing(spec: str) -> bool:
    """Whether a writer is inside a write transaction on the store right now."""
    if is_dsn(spec):
        with psycopg.connect(spec, autocommit=True) as conn:
            return bool(conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND application_name = 'pgdiag' AND backend_xid IS NOT NULL").fetchone()[0])
    conn = sqlite3.connect(spec, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc), exc
        return True
    finally:
        conn.close()


def wait_for_line(process: subprocess.Popen, prefix: str) -> str:
    """The next line the writer prints that starts with `prefix`."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith(prefix):
            return line
        assert line or process.poll() is None, f"writer exited: {process.stderr.read()}"
    raise AssertionError(f"writer never printed {prefix!r}")


def backend_gone(spec: str) -> bool:
    """Whether the killed writer's session has ended on the server (its transaction rolled back)."""
    with psycopg.connect(spec, autocommit=True) as conn:
        return not conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                "AND application_name = 'pgdiag'").fetchone()[0]


def test_kill_during_a_write_leaves_the_previous_snapshot_intact(store_spec: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "tests.history.store_writer", store_spec], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = [wait_for_line(process, "saved 1 "), wait_for_line(process, "saving 2")]
        deadline = time.monotonic() + DEADLINE_S
        while not writing(store_spec):
            assert time.monotonic() < deadline, "the writer never started its second write"
            assert process.poll() is None, process.stderr.read()
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL
    lines = [line.strip() for line in seen] + process.stdout.read().splitlines()
    saved_ids = [int(line.split()[2]) for line in lines if line.startswith("saved ")]
    assert lines[-1].startswith("saving "), "the kill did not land inside a write"
    if is_dsn(store_spec):
        deadline = time.monotonic() + 30
        while not backend_gone(store_spec):
            assert time.monotonic() < deadline, "the killed writer's session never ended"
            time.sleep(0.1)

    with open_store(store_spec, create=False) as store:
        assert [s.id for s in store.snapshots()] == saved_ids
        stored = store.latest("kill-test")
        assert stored is not None and stored.info.id == saved_ids[-1]
        expected = large_record()
        assert len(stored.findings) == FINDINGS
        assert [f.fingerprint for f in stored.findings] == [f.fingerprint for f in expected.findings]
        frame = stored.snapshot.frame("statements")
        assert len(frame) == ROWS and frame["text"].iloc[-1] == expected.snapshot.frame("statements")["text"].iloc[-1]
    with open_store(store_spec, create=True) as store:  # and it takes new writes
        assert store.save(expected) > saved_ids[-1]

