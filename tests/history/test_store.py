"""The store contract, the same on both stores: what a scan saves comes back intact, ordering,
retention, migrations, concurrent first use, and no password anywhere in what is stored."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pandas as pd
import psycopg
import pytest

from pgdiag.config.model import Config
from pgdiag.core.errors import PgdiagError
from pgdiag.core.snapshot import Snapshot
from pgdiag.db.dsn import parse
from pgdiag.history.baseline import record_of
from pgdiag.history.store import NewSnapshot, is_dsn, open_store
from pgdiag.history.store.sqlfiles import migrations
from pgdiag.scan import ScanResult, scan
from tests.pg import PASSWORD, TestDatabase


@pytest.fixture(scope="module")
def scanned(db: TestDatabase) -> ScanResult:
    """One real scan, with findings (a table without primary key, two identical indexes), over a
    password login where the backend offers one, so the password could leak into what is stored."""
    db.execute("CREATE TABLE IF NOT EXISTS st_nopk (a int, b int)",
               "CREATE INDEX IF NOT EXISTS st_nopk_a1 ON st_nopk (a)",
               "CREATE INDEX IF NOT EXISTS st_nopk_a2 ON st_nopk (a)",
               "GRANT pg_read_all_stats TO pgdiag_pw")
    return scan(parse(db.backend.tcp_dsn(db.name) or db.dsn))


def at(result: ScanResult, key: str, moment: datetime) -> NewSnapshot:
    """`result` as a record of target `key`, collected at `moment`."""
    return replace(record_of(result, key, None, Config()),
                   snapshot=replace(result.snapshot, collected_at=moment))


def raw_rows(spec: str, table: str) -> list[tuple]:
    """Every row of a store table, read around pgdiag (to inspect what is really stored)."""
    if is_dsn(spec):
        with psycopg.connect(spec) as conn:
            return conn.execute(f"SELECT * FROM pgdiag.{table}").fetchall()
    import sqlite3

    with sqlite3.connect(spec) as conn:
        return conn.execute(f"SELECT * FROM {table}").fetchall()


def test_saved_snapshot_comes_back_intact(scanned: ScanResult, store_spec: str) -> None:
    """Frames, collector status, findings (fingerprints included), not-run checks and metadata survive the store."""
    record = record_of(scanned, "db:5432/app", "app", Config())
    with open_store(store_spec, create=True) as store:
        snapshot_id = store.save(record)
    with open_store(store_spec, create=False) as store:
        stored = store.get(snapshot_id)
    assert stored.info.target_key == "db:5432/app" and stored.info.target_name == "app"
    assert stored.info.collected_at == scanned.snapshot.collected_at
    assert stored.info.database == scanned.snapshot.target["database"]
    assert [f.to_dict() for f in stored.findings] == [f.to_dict() for f in scanned.checks.findings]
    assert stored.findings and stored.checks_ran == record.checks_ran and stored.not_run == record.not_run
    assert stored.snapshot.collectors == scanned.snapshot.collectors
    # The store keeps what a snapshot file keeps (Snapshot.to_dict/from_dict: None in text columns reads as NaN).
    reference = Snapshot.from_dict(scanned.snapshot.to_dict())
    assert set(stored.snapshot.frames) == set(reference.frames) >= {"tables", "indexes", "statements"}
    for name, frame in reference.frames.items():
        pd.testing.assert_frame_equal(stored.snapshot.frame(name), frame)
    counts = stored.info.severity_counts
    assert sum(counts.values()) == len(scanned.checks.findings)


def test_no_password_is_stored(scanned: ScanResult, store_spec: str, db: TestDatabase) -> None:
    """The target's password reaches neither the metadata, nor the findings, nor the compressed frames."""
    if db.backend.tcp_dsn(db.name) is None:
        pytest.skip("this backend offers no password login")
    with open_store(store_spec, create=True) as store:
        snapshot_id = store.save(record_of(scanned, "k", None, Config()))
        stored = store.get(snapshot_id)
    assert "(password redacted)" in stored.info.dsn
    everything = json.dumps([stored.snapshot.to_dict(), [f.to_dict() for f in stored.findings]], default=str)
    assert PASSWORD not in everything + stored.info.dsn
    assert PASSWORD not in repr(raw_rows(store_spec, "snapshots")) + repr(raw_rows(store_spec, "findings"))


def test_latest_previous_and_listing_per_target(scanned: ScanResult, store_spec: str) -> None:
    """Snapshots are ordered by collection time per target, whatever the order they were stored in."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with open_store(store_spec, create=True) as store:
        late = store.save(at(scanned, "a", now))
        early = store.save(at(scanned, "a", now - timedelta(days=1)))
        other = store.save(at(scanned, "b", now - timedelta(hours=1)))
        assert store.latest("a").info.id == late
        assert store.previous(store.get(late).info).info.id == early
        assert store.previous(store.get(early).info) is None
        assert store.latest("nobody") is None
        assert [s.id for s in store.snapshots()] == [early, other, late]
        assert [s.id for s in store.snapshots("b")] == [other]


def test_retention_keeps_each_targets_latest(scanned: ScanResult, store_spec: str) -> None:
    """Pruning deletes old snapshots with their findings, but never a target's latest, however old."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with open_store(store_spec, create=True) as store:
        old_a = store.save(at(scanned, "a", now - timedelta(days=200)))
        new_a = store.save(at(scanned, "a", now))
        only_b = store.save(at(scanned, "b", now - timedelta(days=300)))
        assert store.prune(now - timedelta(days=90)) == 1
        assert [s.id for s in store.snapshots()] == [only_b, new_a]
        with pytest.raises(PgdiagError, match=f"no snapshot {old_a}"):
            store.get(old_a)
    assert {row[0] for row in raw_rows(store_spec, "findings")} == {new_a, only_b}


def test_schema_is_versioned_and_created_once(store_spec: str) -> None:
    """The first use applies every migration and records it; reopening applies nothing again."""
    for _ in range(2):
        with open_store(store_spec, create=True):
            pass
    versions = sorted(row[0] for row in raw_rows(store_spec, "store_migrations"))
    assert versions == sorted(migrations("sqlite" if not is_dsn(store_spec) else "postgres"))


def test_concurrent_first_use_creates_the_schema_once(store_spec: str) -> None:
    """Several writers meeting a new store at once (nightly jobs started together) all succeed."""
    errors: list[BaseException] = []

    def open_and_close() -> None:
        try:
            with open_store(store_spec, create=True):
                pass
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_and_close) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [row[0] for row in raw_rows(store_spec, "store_migrations")] == \
        sorted(migrations("sqlite" if not is_dsn(store_spec) else "postgres"))


def test_a_store_from_a_newer_pgdiag_is_refused(store_spec: str) -> None:
    """A schema version this pgdiag does not know is a clear error, not a guess."""
    with open_store(store_spec, create=True):
        pass
    if is_dsn(store_spec):
        with psycopg.connect(store_spec, autocommit=True) as conn:
            conn.execute("INSERT INTO pgdiag.store_migrations VALUES (999, '0999_future', now())")
    else:
        import sqlite3

        with sqlite3.connect(store_spec) as conn:
            conn.execute("INSERT INTO store_migrations VALUES (999, '0999_future', 'x')")
    with pytest.raises(PgdiagError, match="schema version 999, newer than this pgdiag understands"):
        open_store(store_spec, create=True)


def test_reading_a_missing_store_creates_nothing(store_spec: str) -> None:
    """``history``/``report`` on a store that does not exist say so and create nothing."""
    with pytest.raises(PgdiagError, match="no (pgdiag )?store"):
        open_store(store_spec, create=False)
    if is_dsn(store_spec):
        assert psycopg.connect(store_spec).execute("SELECT to_regnamespace('pgdiag')").fetchone()[0] is None
    else:
        from pathlib import Path

        assert not Path(store_spec).exists()
