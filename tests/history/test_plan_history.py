"""Plans across stored scans (issue 20's "must show"), on both stores and every backend.

A top statement is served by an index when the first scan stores its plan; the index is dropped, the same
workload runs again, and the second scan reports a ``plan_regression`` naming the dropped index, with both
plans. ``pgdiag history --statement`` then gives the statement's figures in both snapshots.
"""

from __future__ import annotations

import html as html_module
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import assert_one_line_error, invoke
from tests.history.test_scan_history import scan_json
from tests.pg import TestDatabase
from tests.test_report_output import strict_loads

LOOKUP = "SELECT id, note FROM plan_orders WHERE customer = $1"
CALLS = 60
INDEX = "plan_orders_customer"
# Thresholds low enough that 60 calls of a sequential scan over 60 000 rows count as a regression on a busy
# machine too; the defaults are exercised by test_scan_history.
CONFIG = """[compare]
regression_min_calls = 20
regression_min_added_ms = 20
"""


@pytest.fixture
def config(tmp_path: Path) -> str:
    """A pgdiag.toml with the test's regression thresholds."""
    path = tmp_path / "pgdiag.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return str(path)


@pytest.fixture
def served(db: TestDatabase) -> TestDatabase:
    """A table of 60 000 orders whose customer lookup an index serves; the lookup run CALLS times."""
    db.execute(
        "DROP TABLE IF EXISTS plan_orders",
        "CREATE TABLE plan_orders (id int PRIMARY KEY, customer int NOT NULL, note text)",
        "INSERT INTO plan_orders SELECT g, g % 6000, repeat('n', 40) FROM generate_series(1, 60000) g",
        f"CREATE INDEX {INDEX} ON plan_orders (customer)",
        "ALTER TABLE plan_orders SET (autovacuum_enabled = off)",
        "ANALYZE plan_orders",
    )
    db.reset_statements()
    lookups(db)
    return db


def lookups(db: TestDatabase) -> None:
    """The workload: CALLS lookups of one customer each."""
    db.replay(LOOKUP, [(i * 7 % 6000,) for i in range(CALLS)])


def queryid_of(doc: dict[str, Any], text: str) -> str:
    """The queryid of the comparison's statement with `text`."""
    [entry] = [s for s in doc["comparison"]["statements"] if s["text"] == text]
    return entry["queryid"]


def writes(db: TestDatabase) -> int:
    """Rows inserted, updated and deleted in `db`'s tables so far by every session, once the count has settled
    (statistics reach pg_stat_* up to a second after a session's work, later under load). System catalogs are
    left out: autovacuum rewrites pg_statistic and pg_class whenever it likes (a full run saw +2 there)."""
    def count() -> int:
        with db.connect() as conn:
            return int(conn.execute("SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) "
                                    "FROM pg_stat_user_tables").fetchone()[0])
    last, deadline = count(), time.monotonic() + 20
    while time.monotonic() < deadline:
        time.sleep(1.2)
        now = count()
        if now == last:
            return now
        last = now
    return last


def test_dropped_index_is_a_plan_regression_naming_it_with_both_plans(
        capsys, served: TestDatabase, store_spec: str, config: str, tmp_path: Path) -> None:
    first = scan_json(capsys, served, store_spec, "--config", config)
    plans = next(c for c in first["collectors"] if c["name"] == "plans")
    assert plans["status"] == "ok" and plans["rows"] >= 1, plans

    served.execute(f"DROP INDEX {INDEX}")
    lookups(served)
    before = writes(served)
    html = tmp_path / "second.html"
    markdown = tmp_path / "second.md"
    second = scan_json(capsys, served, store_spec, "--config", config, "--html", str(html),
                       "--markdown", str(markdown))
    time.sleep(1.0)  # a session's statistics reach pg_stat_database when it ends
    assert writes(served) == before, "a pgdiag session wrote to the scanned database"

    queryid = queryid_of(second, LOOKUP)
    [finding] = [f for f in second["findings"] if f["check"] == "plan_regression"]
    assert finding["query"]["queryid"] == queryid
    assert finding["object"]["index"] == INDEX and finding["object"]["table"] == "plan_orders"
    assert INDEX in finding["title"] and "no longer exists" in finding["title"]
    assert finding["evidence"]["indexes_dropped"] == [INDEX]
    assert finding["fix_sql"].startswith(f"CREATE INDEX CONCURRENTLY {INDEX} ON ")

    [change] = [c for c in second["comparison"]["plan_changes"] if c["queryid"] == queryid]
    assert change["indexes_gone"] == [INDEX] and change["indexes_new"] == [] and change["regressed"]
    assert INDEX in json.dumps(change["old_plan"]) and INDEX not in json.dumps(change["new_plan"])
    assert "Seq Scan" in json.dumps(change["new_plan"])
    assert change["mean_ms_after"] > change["mean_ms_before"]

    page = html.read_text(encoding="utf-8")
    assert "Plan changes" in page and f"Index Scan using {INDEX}" in page and "Seq Scan on plan_orders" in page
    assert "Plan changes" in markdown.read_text(encoding="utf-8")
    assert re.search(rf"pgdiag history --store \S+ --statement {queryid} --html", html_module.unescape(page))

    outcome = invoke(capsys, "history", "--store", store_spec, "--statement", queryid, "--json", "-")
    assert outcome.code == 0, outcome.err
    history = strict_loads(outcome.out)
    assert history["queryid"] == queryid and history["text"] == LOOKUP
    points = history["points"]
    assert [p["snapshot_id"] for p in points] == [s["id"] for s in strict_loads(
        invoke(capsys, "history", "--store", store_spec, "--json", "-").out)["snapshots"]]
    assert [p["calls"] for p in points] == [CALLS, CALLS]
    assert points[0]["since"] is None and points[1]["since"] == first["collected_at"]
    assert points[1]["mean_ms"] > points[0]["mean_ms"]
    assert points[0]["plan_fingerprint"] != points[1]["plan_fingerprint"]
    assert [p["plan_changed"] for p in points] == [False, True]
    assert all(p["rows_per_call"] == 10 for p in points)

    table = invoke(capsys, "history", "--store", store_spec, "--statement", queryid)
    assert table.code == 0 and "changed" in table.out and points[1]["plan_fingerprint"] in table.out
    rendered = strict_loads(invoke(capsys, "report", "--store", store_spec, "--json", "-", "--config", config).out)
    assert [f["fingerprint"] for f in rendered["findings"] if f["check"] == "plan_regression"] == \
        [finding["fingerprint"]]


def test_statistics_analysed_since_are_named_when_the_plan_changes(
        capsys, db: TestDatabase, store_spec: str, config: str) -> None:
    """The index stays, but the column's values collapse to two and ANALYZE tells the planner: the generic
    plan leaves the index for a sequential scan, and the finding names the statistics, not a dropped index."""
    db.execute("DROP TABLE IF EXISTS plan_events",
               "CREATE TABLE plan_events (id int PRIMARY KEY, status int NOT NULL, note text)",
               "INSERT INTO plan_events SELECT g, g, repeat('n', 40) FROM generate_series(1, 60000) g",
               "CREATE INDEX plan_events_status ON plan_events (status)",
               "ALTER TABLE plan_events SET (autovacuum_enabled = off)", "ANALYZE plan_events")
    db.reset_statements()
    events = "SELECT id, note FROM plan_events WHERE status = $1"
    db.replay(events, [(i % 2,) for i in range(CALLS)])
    scan_json(capsys, db, store_spec, "--config", config)
    db.execute("UPDATE plan_events SET status = id % 2", "VACUUM ANALYZE plan_events")
    db.replay(events, [(i % 2,) for i in range(CALLS)])
    second = scan_json(capsys, db, store_spec, "--config", config)

    [finding] = [f for f in second["findings"] if f["check"] == "plan_regression"]
    assert finding["query"]["queryid"] == queryid_of(second, events)
    assert finding["evidence"]["analyzed"] == ["plan_events"] and finding["evidence"]["indexes_dropped"] == []
    assert "statistics of plan_events analysed since" in finding["title"]
    assert finding["object"]["index"] == "plan_events_status" and finding["fix_sql"] is None


def test_unchanged_plans_report_no_plan_change(capsys, served: TestDatabase, store_spec: str, config: str) -> None:
    """The same workload against the same index: same fingerprints, no plan change, no plan_regression."""
    scan_json(capsys, served, store_spec, "--config", config)
    lookups(served)
    second = scan_json(capsys, served, store_spec, "--config", config)
    assert second["comparison"]["plan_changes"] == []
    assert not [f for f in second["findings"] if f["check"] == "plan_regression"]


def test_history_statement_by_text_and_unknown_statement(capsys, served: TestDatabase, store_spec: str,
                                                          config: str, tmp_path: Path) -> None:
    """--statement takes a unique part of the text too, writes the chart page; an unknown one is one line."""
    scan_json(capsys, served, store_spec, "--config", config)
    page = tmp_path / "trend.html"
    outcome = invoke(capsys, "history", "--store", store_spec, "--statement", "FROM plan_orders WHERE customer",
                     "--json", "-", "--html", str(page))
    assert outcome.code == 0, outcome.err
    assert strict_loads(outcome.out)["text"] == LOOKUP
    assert "<svg" in page.read_text(encoding="utf-8")
    assert_one_line_error(invoke(capsys, "history", "--store", store_spec, "--statement", "no such statement"),
                          "no statement matches")


def test_a_scan_without_store_plans_nothing(capsys, served: TestDatabase) -> None:
    """Plans cost planning time on the target: only stored scans take them."""
    outcome = invoke(capsys, "scan", "-d", served.dsn, "--json", "-")
    assert outcome.code == 0, outcome.err
    assert "plans" not in [c["name"] for c in strict_loads(outcome.out)["collectors"]]
