"""The comparison on hand-made snapshots (pure code, no database): how counters are subtracted per
entry, resets and evictions, regressions at their thresholds, findings by fingerprint, table growth.
The same behaviour on real scans is in test_scan_history.py."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pandas as pd
import pytest

from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import CollectorStatus, Snapshot
from pgdiag.history.compare import CompareSettings, Side, compare

T0 = datetime(2026, 11, 1, 19, 0, tzinfo=timezone.utc)
T1 = T0 + timedelta(days=1)


def entry(queryid: str | None, calls: int, total_ms: float, *, userid: int = 10, blocks: int = 0,
          since: datetime | None = None, text: str | None = None) -> dict[str, Any]:
    """One pg_stat_statements row as the statements collector returns it."""
    return {"userid": userid, "dbid": 5, "toplevel": True, "queryid": queryid, "query": text or f"q{queryid}",
            "username": "app", "database": "app", "calls": calls, "total_exec_time": total_ms,
            "shared_blks_hit": blocks, "shared_blks_read": 0, "stats_since": since}


def snapshot(at: datetime, statements: list[dict[str, Any]] | None = None, *, reset: datetime | None = None,
             dealloc: int | None = None, tables: list[tuple[str, int | None, int]] | None = None) -> Snapshot:
    """A snapshot with the statements, statements_info and tables collectors (those given ran)."""
    frames, collectors = {}, []
    if statements is not None:
        frames["statements"] = pd.DataFrame(statements, columns=list(entry("1", 1, 1.0)))
        frames["statements"]["stats_since"] = pd.to_datetime(frames["statements"]["stats_since"], utc=True)
        frames["statements_info"] = pd.DataFrame([{"dealloc": dealloc, "stats_reset": reset}])
        collectors += [CollectorStatus("statements", "ok"), CollectorStatus("statements_info", "ok")]
    else:
        collectors.append(CollectorStatus("statements", "skipped", message="no pg_stat_statements"))
    if tables is not None:
        frames["tables"] = pd.DataFrame([{"schema": "public", "table": name, "total_bytes": size, "n_live_tup": rows}
                                         for name, size, rows in tables])
        collectors.append(CollectorStatus("tables", "ok"))
    return Snapshot(target={"database": "app"}, collected_at=at, collectors=collectors, frames=frames)


def run(before: Snapshot, after: Snapshot, before_findings=(), after_findings=(), ran=("a", "b"),
        ran_after=None, **settings: Any):
    return compare(7, Side(before, list(before_findings), frozenset(ran)),
                   Side(after, list(after_findings), frozenset(ran_after or ran)), CompareSettings(**settings))


def deltas(comparison) -> dict[tuple[str, int], tuple[int, float]]:
    return {(d.queryid, 10): (d.calls_delta, d.total_ms_delta) for d in comparison.statements}


def test_counters_are_subtracted_per_entry_and_non_positive_entries_dropped() -> None:
    before = snapshot(T0, [entry("1", 100, 50.0), entry("2", 10, 5.0), entry("3", 500, 100.0),
                           entry("1", 40, 4.0, userid=11), entry(None, 5, 1.0)])
    after = snapshot(T1, [entry("1", 130, 65.0), entry("2", 10, 5.0), entry("3", 20, 4.0),
                          entry("1", 45, 5.0, userid=11), entry("4", 7, 14.0), entry(None, 9, 2.0)])
    comparison = run(before, after)
    got = {(d.queryid, d.calls_before): (d.calls_delta, d.total_ms_delta) for d in comparison.statements}
    # "1" per user, "4" new (counted from zero); "2" idle and "3" (reset on its own: fewer calls) dropped;
    # entries without a queryid cannot be matched and are left out.
    assert got == {("1", 100): (30, 15.0), ("1", 40): (5, 1.0), ("4", 0): (7, 14.0)}
    new = next(d for d in comparison.statements if d.queryid == "4")
    assert new.mean_ms_before is None and new.mean_ms_after == 2.0
    assert [d.queryid for d in comparison.statements] == ["1", "4", "1"]  # by total time since the baseline
    assert comparison.basis.compared and not comparison.basis.reset


def test_a_full_reset_counts_every_entry_from_zero() -> None:
    before = snapshot(T0, [entry("1", 100, 50.0)], reset=T0 - timedelta(days=30), dealloc=12)
    after = snapshot(T1, [entry("1", 130, 65.0), entry("2", 3, 3.0)], reset=T0 + timedelta(hours=2), dealloc=4)
    comparison = run(before, after)
    assert deltas(comparison) == {("1", 10): (130, 65.0), ("2", 10): (3, 3.0)}
    assert comparison.basis.reset and comparison.basis.stats_reset == T0 + timedelta(hours=2)
    assert comparison.basis.dealloc == 4  # the counter restarted with the reset
    assert comparison.to_dict()["statements_info"] == {"compared": True, "stats_reset": "2026-11-01T21:00:00Z",
                                                       "reset": True, "dealloc": 4}


def test_an_entry_that_restarted_counts_from_zero_alone() -> None:
    """PostgreSQL 17+: an entry whose stats_since moved was evicted or reset on its own since the baseline."""
    since = T0 - timedelta(days=3)
    before = snapshot(T0, [entry("1", 100, 50.0, since=since), entry("2", 10, 10.0, since=since)],
                      reset=since, dealloc=0)
    after = snapshot(T1, [entry("1", 130, 65.0, since=since), entry("2", 120, 12.0, since=T0 + timedelta(hours=1))],
                     reset=since, dealloc=1)
    comparison = run(before, after)
    assert deltas(comparison) == {("1", 10): (30, 15.0), ("2", 10): (120, 12.0)}
    assert not comparison.basis.reset and comparison.basis.dealloc == 1


def test_without_statements_in_both_scans_nothing_is_compared() -> None:
    comparison = run(snapshot(T0, None), snapshot(T1, [entry("1", 10, 1.0)]))
    assert comparison.statements == [] and comparison.regressions == []
    assert comparison.basis.compared is False


@pytest.mark.parametrize("after_total, calls, min_added, expected", [
    (150.0, 100, 0.0, True),     # mean 1.0 → 1.5 ms: +50 %, exactly the threshold
    (149.0, 100, 0.0, False),    # +49 %
    (300.0, 100, 200.0, True),   # +200 %, 200 ms added
    (300.0, 100, 201.0, False),  # not enough time added
    (147.0, 49, 0.0, False),     # +200 % but too few calls since the baseline
])
def test_regression_thresholds(after_total: float, calls: int, min_added: float, expected: bool) -> None:
    before = snapshot(T0, [entry("1", 100, 100.0, blocks=1000)])
    after = snapshot(T1, [entry("1", 100 + calls, 100.0 + after_total, blocks=1000 + 50 * calls)])
    comparison = run(before, after, regression_percent=50, regression_min_calls=50, regression_min_added_ms=min_added)
    assert bool(comparison.regressions) is expected
    if expected:
        doc = comparison.to_dict()["regressions"][0]
        assert doc["reason"] == "slower" and doc["mean_ms_before"] == 1.0
        assert doc["blocks_per_call_before"] == 10.0 and doc["blocks_per_call_after"] == 50.0


def test_too_few_calls_before_the_baseline_is_no_regression() -> None:
    before = snapshot(T0, [entry("1", 10, 10.0)])
    after = snapshot(T1, [entry("1", 1010, 10010.0)])  # 1 ms → 10 ms, but the old mean rests on 10 calls
    assert run(before, after, regression_min_calls=50).regressions == []


def finding(check: str, table: str) -> Finding:
    return Finding(check=check, severity="medium", title=f"{check} on {table}", object=ObjectRef("public", table),
                   recommendation="Fix it.")


def test_findings_are_matched_by_fingerprint_for_checks_that_ran_in_both() -> None:
    kept, gone, new = finding("a", "kept"), finding("a", "gone"), finding("a", "new")
    only_before, only_after = finding("b", "x"), finding("c", "y")
    comparison = run(snapshot(T0), snapshot(T1), [kept, gone, only_before], [kept, new, only_after],
                     ran=("a", "b"), ran_after=("a", "c"))
    assert comparison.new == [new] and comparison.resolved == [gone]
    assert comparison.not_compared == ["b", "c"]


def test_table_growth() -> None:
    before = snapshot(T0, tables=[("grows", 8192, 10), ("same", 8192, 5), ("shrinks", 81920, 100),
                                  ("locked", None, 1)])
    after = snapshot(T1, tables=[("grows", 1_048_576, 1000), ("same", 8192, 5), ("shrinks", 16384, 10),
                                 ("locked", 8192, 1), ("new", 16384, 3), ("new_empty", 0, 0)])
    growth = [(t.table, t.bytes_before, t.bytes_delta) for t in run(before, after).tables]
    # "same" did not change, "new_empty" did not grow, "locked" had no size at the baseline: all left out.
    assert growth == [("grows", 8192, 1_040_384), ("new", None, 16384), ("shrinks", 81920, -65536)]
    assert run(before, after, tables=1).tables[0].to_dict() == {
        "schema": "public", "table": "grows", "bytes_before": 8192, "bytes_after": 1_048_576,
        "bytes_delta": 1_040_384, "rows_before": 10, "rows_after": 1000}
