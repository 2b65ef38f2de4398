"""Plans in the store (issue 20), the same on both stores: one copy per plan shape, references per snapshot,
retention takes the shapes nobody uses, snapshots stored before plans read as before, and a statement that
cannot be planned is skipped with a note."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import psycopg
import pytest

from pgdiag.config.model import Config
from pgdiag.core.errors import PgdiagError
from pgdiag.db.dsn import parse
from pgdiag.history.baseline import compare_with_latest, record_of
from pgdiag.history.store import is_dsn, open_store
from pgdiag.scan import ScanResult, scan
from tests.history.test_store import at, raw_rows
from tests.pg import TestDatabase

STATEMENTS = ("SELECT id FROM ps_items WHERE kind = $1", "SELECT count(*) FROM ps_items WHERE id < $1",
              "SELECT i.id FROM ps_items i JOIN ps_kinds k ON k.id = i.kind WHERE k.name = $1")


@pytest.fixture(scope="module")
def planned(db: TestDatabase) -> ScanResult:
    """A scan that planned three statements of a small workload."""
    db.execute("DROP TABLE IF EXISTS ps_items, ps_kinds",
               "CREATE TABLE ps_kinds (id int PRIMARY KEY, name text)",
               "CREATE TABLE ps_items (id int PRIMARY KEY, kind int REFERENCES ps_kinds)",
               "INSERT INTO ps_kinds SELECT g, 'k' || g FROM generate_series(1, 50) g",
               "INSERT INTO ps_items SELECT g, g % 50 + 1 FROM generate_series(1, 5000) g",
               "CREATE INDEX ps_items_kind ON ps_items (kind)", "ANALYZE")
    db.reset_statements()
    for text in STATEMENTS:
        db.replay(text, [(i,) for i in range(1, 4)] if "name" not in text else [("k1",), ("k2",)])
    result = scan(parse(db.dsn), plans=50)
    assert len({p.queryid for p in result.plans}) >= len(STATEMENTS), result.plans
    return result


def test_plans_are_stored_once_per_shape_and_come_back(planned: ScanResult, store_spec: str) -> None:
    """Three nights of the same plans: each shape stored once, one reference per statement and night."""
    now = datetime.now(timezone.utc)
    with open_store(store_spec, create=True) as store:
        ids = [store.save(at(planned, "db:5432/app", now - timedelta(days=n))) for n in (3, 2, 1)]
        stored = store.get(ids[-1])
    shapes = {p.fingerprint for p in planned.plans}
    assert {row[0] for row in raw_rows(store_spec, "plans")} == shapes
    assert len(raw_rows(store_spec, "snapshot_plans")) == 3 * len(planned.plans)
    assert stored.plans == {p.queryid: p for p in planned.plans}


def test_retention_removes_the_plans_no_snapshot_uses(planned: ScanResult, store_spec: str) -> None:
    """An old snapshot's plans go with it, unless a kept snapshot has the same shape."""
    now = datetime.now(timezone.utc)
    with open_store(store_spec, create=True) as store:
        store.save(at(planned, "a", now - timedelta(days=200)))
        store.save(replace(at(planned, "a", now), plans=planned.plans[:1]))
        assert store.prune(now - timedelta(days=90)) == 1
    assert [row[0] for row in raw_rows(store_spec, "plans")] == [planned.plans[0].fingerprint]
    assert len(raw_rows(store_spec, "snapshot_plans")) == 1


def test_a_store_from_before_plans_reads_as_before(planned: ScanResult, store_spec: str) -> None:
    """A store written before migration 2 gains the plan tables when opened; its snapshots have no plans and
    compare with a planned scan without any plan change."""
    old = replace(at(planned, "db:5432/app", datetime.now(timezone.utc) - timedelta(days=1)), plans=())
    with open_store(store_spec, create=True) as store:
        old_id = store.save(old)
    _downgrade_to_version_1(store_spec)
    with open_store(store_spec, create=False) as store:
        stored = store.get(old_id)
        assert stored.plans == {}
        comparison = compare_with_latest(store, record_of(planned, "db:5432/app", None, Config()), Config())
    assert comparison is not None and comparison.plan_changes == [] and comparison.plan_findings == []
    assert sorted(row[0] for row in raw_rows(store_spec, "store_migrations")) == [1, 2]


def test_a_damaged_plan_is_a_one_line_error_naming_the_snapshot(planned: ScanResult, store_spec: str) -> None:
    """A plan blob edited by hand makes its snapshot unreadable, said in one line, like damaged frames."""
    with open_store(store_spec, create=True) as store:
        snapshot_id = store.save(at(planned, "db:5432/app", datetime.now(timezone.utc)))
    update = "UPDATE {s}plans SET plan = {blob}"
    if is_dsn(store_spec):
        with psycopg.connect(store_spec, autocommit=True) as conn:
            conn.execute(update.format(s="pgdiag.", blob="'\\x00ff'::bytea"))
    else:
        import sqlite3

        with sqlite3.connect(store_spec) as conn:
            conn.execute(update.format(s="", blob="x'00ff'"))
    with open_store(store_spec, create=False) as store:
        with pytest.raises(PgdiagError, match=f"snapshot {snapshot_id} in store .* is unreadable: damaged plan"):
            store.get(snapshot_id)


def test_a_statement_that_cannot_be_planned_is_skipped_with_a_note(db: TestDatabase) -> None:
    """A statement whose table is gone since it ran fails to plan: the scan goes on and says so."""
    db.execute("DROP TABLE IF EXISTS ps_gone", "CREATE TABLE ps_gone (id int)", "CREATE TABLE IF NOT EXISTS "
               "ps_kept (id int)")
    db.reset_statements()
    db.replay("SELECT id FROM ps_gone WHERE id = $1", [(1,), (2,)])
    db.replay("SELECT id FROM ps_kept WHERE id = $1", [(1,), (2,)])
    db.execute("DROP TABLE ps_gone")
    result = scan(parse(db.dsn), plans=50)
    status = result.snapshot.status("plans")
    assert status is not None and status.status == "ok", status
    assert status.message is not None and re.match(r"1 of \d+ statements could not be planned", status.message)
    assert status.rows == len(result.plans)
    assert {"ps_kept"} in [p.relations() for p in result.plans]
    assert not any("ps_gone" in p.relations() for p in result.plans)


def _downgrade_to_version_1(spec: str) -> None:
    """Remove migration 2's tables and record, as a store written by pgdiag before plans looks."""
    statements = ["DROP TABLE {s}snapshot_plans", "DROP TABLE {s}plans", "DELETE FROM {s}store_migrations "
                  "WHERE version = 2"]
    if is_dsn(spec):
        with psycopg.connect(spec, autocommit=True) as conn:
            for sql in statements:
                conn.execute(sql.format(s="pgdiag."))
        return
    import sqlite3

    with sqlite3.connect(spec) as conn:
        for sql in statements:
            conn.execute(sql.format(s=""))
