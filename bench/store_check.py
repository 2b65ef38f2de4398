"""The integrity check before a write to an SQLite store, on a store of 90 snapshots, against its floors.

Starts a throwaway PostgreSQL (the embedded 18 by default), creates N tables with indexes and runs a
statement per table (so the snapshot holds catalog and pg_stat_statements frames of some size), scans it
once, and stores that snapshot 90 times in a new SQLite file. Then, best of 3 in the same run:

- floor (read): reading every snapshot's compressed frames out of the file (``SELECT frames``);
- floor (save): storing one more snapshot, what ``scan --store`` pays anyway;
- check: what opening the store for a write now costs before anything is written (``PRAGMA
  quick_check``, inflating every snapshot to verify its gzip CRC, ``json_valid`` on every finding), and
  its three parts; the scan's own time is printed for scale.

Usage: python bench/store_check.py [--tables 300] [--snapshots 90] [--major 18]
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from contextlib import closing
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
from servers import installation, throwaway_server
from timing import best_of

from pgdiag.config.model import Config
from pgdiag.db.dsn import parse
from pgdiag.history.baseline import record_of
from pgdiag.history.store import codec, open_store
from pgdiag.history.store.sqlite import SqliteStore
from pgdiag.scan import ScanResult, scan

SETTINGS = {"shared_preload_libraries": "pg_stat_statements", "fsync": "off", "synchronous_commit": "off",
            "max_locks_per_transaction": "256"}


def prepare(dsn: str, tables: int) -> None:
    """`tables` tables with two indexes each, and one statement per table in pg_stat_statements."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        for i in range(tables):
            conn.execute(f"CREATE TABLE t{i} (id int PRIMARY KEY, tenant int, note text)")
            conn.execute(f"CREATE INDEX ON t{i} (tenant)")
            conn.execute(f"SELECT * FROM t{i} WHERE tenant = 1 ORDER BY id")


def fill(path: Path, result: ScanResult, snapshots: int) -> None:
    """A store of `snapshots` copies of `result`, an hour apart."""
    start = datetime.now(timezone.utc) - timedelta(hours=snapshots)
    with open_store(str(path), create=True) as store:
        for n in range(snapshots):
            record = record_of(result, "bench", "bench", Config())
            store.save(replace(record, snapshot=replace(result.snapshot, collected_at=start + timedelta(hours=n))))


def read_all_frames(path: Path) -> None:
    """The floor: every compressed snapshot read out of the file."""
    with closing(sqlite3.connect(path)) as conn:
        for (frames,) in conn.execute("SELECT frames FROM snapshots"):
            len(frames)


def quick_check(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA quick_check").fetchall()


def inflate_all(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        for (frames,) in conn.execute("SELECT frames FROM snapshots"):
            codec.check_compressed(bytes(frames))


def findings(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("SELECT count(*) FROM findings WHERE NOT json_valid(doc)").fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=300)
    parser.add_argument("--snapshots", type=int, default=90)
    parser.add_argument("--major", type=int, default=None)
    args = parser.parse_args()
    with throwaway_server(installation(args.major), SETTINGS) as (server, base):
        prepare(server.dsn(), args.tables)
        started = time.perf_counter()
        result = scan(parse(server.dsn()))
        print(f"scan of {args.tables} tables (in-process, once): {(time.perf_counter() - started) * 1000:.0f} ms")
        measure(base / "history.sqlite3", result, args.snapshots)


def measure(path: Path, result: ScanResult, snapshots: int) -> None:
    """Fill the store, then time the check against its floors and print the figures."""
    fill(path, result, snapshots)
    one = codec.encode_snapshot(result.snapshot)
    print(f"store: {snapshots} snapshots, {path.stat().st_size / 1e6:.1f} MB on disk; one snapshot "
          f"{len(one) / 1e3:.0f} kB compressed")
    floor_read = best_of(lambda: read_all_frames(path))
    record = record_of(result, "bench", "bench", Config())
    started = time.perf_counter()
    with open_store(str(path), create=True) as store:  # once: each save grows the store
        store.save(record)
    floor_save = time.perf_counter() - started
    check = best_of(lambda: SqliteStore(path, create=True).close())
    parts = best_of(lambda: quick_check(path)), best_of(lambda: inflate_all(path)), best_of(lambda: findings(path))
    print(f"floor, read every snapshot's frames: {floor_read * 1000:8.1f} ms")
    print(f"floor, store one snapshot:          {floor_save * 1000:8.1f} ms (includes the check below)")
    print(f"check before a write:               {check * 1000:8.1f} ms  = {check / floor_read:.1f}x the read floor"
          f" (quick_check {parts[0] * 1000:.1f} ms, inflate {parts[1] * 1000:.1f} ms, findings' JSON "
          f"{parts[2] * 1000:.1f} ms)")

if __name__ == "__main__":
    main()
