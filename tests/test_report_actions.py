"""The summary's top actions (pgdiag/render/actions.py, docs/report.md): each check's gain, its share of
the whole, ranking by severity then share, and findings about one statement settled as one action."""

from __future__ import annotations

from typing import Any

import pytest

from pgdiag.checks import registry
from pgdiag.core.findings import Finding, ObjectRef, QueryRef
from pgdiag.render.actions import GAIN_RULES, Wholes, gain, top_actions

WHOLES = Wholes(statement_ms=1000.0, database_bytes=1_000_000.0, live_rows=10_000.0)


def finding(check: str, severity: str = "medium", evidence: dict[str, Any] | None = None,
            query: QueryRef | None = None, fix_sql: str | None = None, table: str = "t") -> Finding:
    """A finding as a check would report it, with only what the gain rule reads filled in."""
    return Finding(check=check, severity=severity, title=f"{check} on {table}", object=ObjectRef("public", table),
                   recommendation="do it", query=query, evidence=evidence, fix_sql=fix_sql)


def query(queryid: str, total_ms: float = 100.0, rows: int = 10) -> QueryRef:
    return QueryRef(queryid=queryid, text=f"SELECT {queryid}", calls=10, total_ms=total_ms, mean_ms=total_ms / 10,
                    rows=rows)


def test_every_check_has_a_gain_rule() -> None:
    """A new check must say what fixing it is worth, or it would sink to the bottom of every summary."""
    assert set(registry()) - set(GAIN_RULES) == set()


@pytest.mark.parametrize(("item", "kind", "amount", "share"), [
    (finding("slow_query", query=query("1", total_ms=250)), "time", 250, 0.25),
    (finding("missing_index", evidence={"total_ms": 600.0}, query=query("1", total_ms=400)), "time", 600, 0.6),
    (finding("n_plus_one", query=query("1", total_ms=50)), "time", 50, 0.05),
    (finding("unused_index", evidence={"index_bytes": 250_000}), "space", 250_000, 0.25),
    (finding("duplicate_index", evidence={"index_bytes": 8192}), "space", 8192, 0.008192),
    (finding("table_bloat", evidence={"estimated_waste_bytes": 3_000_000}), "space", 3_000_000, 1.0),
    (finding("tenant_unfiltered", query=query("1", rows=500)), "rows", 50, 0.005),  # per call: 500 rows / 10 calls
    (finding("tenant_index_missing", evidence={"rows": 2500}), "rows", 2500, 0.25),
    (finding("missing_fk_index", evidence={"child_rows": 100}), "rows", 100, 0.01),
    (finding("sequence_exhaustion", evidence={"used_percent": 79.2}), "range", 79.2, 0.792),
], ids=lambda v: v.check if isinstance(v, Finding) else None)
def test_gain_is_read_from_the_evidence_as_a_share_of_its_whole(item: Finding, kind: str, amount: float,
                                                                 share: float) -> None:
    """Time against all statement time, space against the database size, rows against all live rows,
    a sequence by the part of its range used; a share never exceeds the whole."""
    value = gain(item, WHOLES)
    assert value is not None
    assert (value.kind, value.amount, value.share) == (kind, amount, pytest.approx(share))


def test_no_gain_without_its_evidence_or_without_a_whole() -> None:
    """A missing or non-numeric amount gives no gain; an unknown whole (collector not run) a share of 0."""
    assert gain(finding("unused_index", evidence={"index_bytes": None}), WHOLES) is None
    assert gain(finding("unused_index", evidence={}), WHOLES) is None
    assert gain(finding("slow_query"), WHOLES) is None
    assert gain(finding("plan_sort_spill", evidence={"x": 1}), WHOLES) is None
    empty = Wholes(0.0, 0.0, 0.0)
    value = gain(finding("unused_index", evidence={"index_bytes": 10}), empty)
    assert value is not None and value.share == 0.0


def test_actions_rank_by_severity_then_share() -> None:
    """A high finding beats a bigger medium one; among equals the larger share of its whole wins,
    whatever the unit; at most five actions."""
    small_high = finding("tenant_index_missing", "high", {"rows": 10}, table="a")
    big_medium = finding("unused_index", "medium", {"index_bytes": 900_000}, table="b")
    time_medium = finding("slow_query", "medium", query=query("7", total_ms=500), table="c")
    tiny_medium = finding("duplicate_index", "medium", {"index_bytes": 100}, table="d")
    others = [finding("no_primary_key", "low", {"n_live_tup": n}, table=f"x{n}") for n in range(3)]
    actions = top_actions([tiny_medium, time_medium, *others, big_medium, small_high], WHOLES)
    assert [a.finding for a in actions] == [small_high, big_medium, time_medium, tiny_medium, others[2]]


def test_findings_about_one_statement_are_one_action_led_by_its_fix() -> None:
    """slow_query (high) and missing_index (medium, with the fix) on one statement: one action, led by
    the finding that carries the fix, ranked at the worse severity, naming the other check."""
    slow = finding("slow_query", "high", query=query("42", total_ms=900))
    index = finding("missing_index", "medium", {"total_ms": 900.0}, query=query("42", total_ms=900),
                    fix_sql="CREATE INDEX CONCURRENTLY …;")
    unrelated = finding("duplicate_index", "medium", {"index_bytes": 999_999}, fix_sql="DROP INDEX …;")
    actions = top_actions([unrelated, slow, index], WHOLES)
    assert len(actions) == 2
    first = actions[0]
    assert (first.finding, first.severity, first.also) == (index, "high", ("slow_query",))
    assert first.gain is not None and first.gain.amount == 900.0
    assert actions[1].finding is unrelated and actions[1].also == ()
