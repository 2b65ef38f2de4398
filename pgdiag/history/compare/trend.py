"""One statement across the stored snapshots of a target (issue 20, ``pgdiag history --statement``).

Each point is the statement's activity in the interval that ends at one snapshot: calls, total and
mean execution time and rows per call since the snapshot before it (the first point, and any point
after a ``pg_stat_statements_reset()``, an eviction or a restart, counts from where counting began,
as the comparison does: DESIGN §8), and the plan fingerprint stored that night. Entries of several
roles for the statement are added up. Pure: stored snapshots in, points out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

import pandas as pd

from pgdiag.core.errors import PgdiagError
from pgdiag.core.snapshot import Snapshot
from pgdiag.history.compare import iso_utc
from pgdiag.history.compare.statements import _info as statements_info


@dataclass(frozen=True)
class TrendPoint:
    """The statement in one snapshot: the interval's figures and the plan stored then (None when not planned)."""

    snapshot_id: int
    collected_at: datetime
    since: datetime | None
    calls: int
    total_ms: float
    rows: int
    plan_fingerprint: str | None
    plan_cost: float | None
    plan_changed: bool

    @property
    def mean_ms(self) -> float | None:
        """Mean execution time per call in the interval."""
        return self.total_ms / self.calls if self.calls else None

    @property
    def rows_per_call(self) -> float | None:
        """Rows returned or affected per call in the interval."""
        return self.rows / self.calls if self.calls else None

    def to_dict(self) -> dict[str, Any]:
        """One entry of ``points`` in ``pgdiag history --statement --json``."""
        return {"snapshot_id": self.snapshot_id, "collected_at": iso_utc(self.collected_at),
                "since": iso_utc(self.since) if self.since else None, "calls": self.calls,
                "total_ms": round(self.total_ms, 3), "mean_ms": _round(self.mean_ms),
                "rows_per_call": _round(self.rows_per_call), "plan_fingerprint": self.plan_fingerprint,
                "plan_cost": _round(self.plan_cost), "plan_changed": self.plan_changed}


@dataclass(frozen=True)
class StatementTrend:
    """A statement across a target's stored snapshots: what ``pgdiag history --statement`` shows."""

    store: str
    target: str | None
    queryid: str
    text: str | None
    points: list[TrendPoint]

    def to_dict(self) -> dict[str, Any]:
        """``{"store", "target", "queryid", "text", "points": [...]}``, oldest point first."""
        return {"store": self.store, "target": self.target, "queryid": self.queryid, "text": self.text,
                "points": [p.to_dict() for p in self.points]}


@dataclass(frozen=True)
class _Counters:
    calls: float
    total_ms: float
    rows: float
    stats_since: Any
    stats_reset: Any


def resolve_queryid(snapshot: Snapshot, statement: str) -> str:
    """The queryid `statement` names: itself when it is a number, else the queryid of the one statement in
    `snapshot` whose text is `statement` (whitespace aside) or, failing that, contains it."""
    value = statement.strip()
    if value.lstrip("-").isdigit():
        return value
    frame = snapshot.frame("statements")
    if frame.empty or "query" not in frame:
        raise PgdiagError("the latest snapshot has no statements to look the text up in: give the queryid")
    folded = " ".join(value.split()).lower()
    texts = frame[frame["query"].notna() & frame["queryid"].notna()]
    flat = texts["query"].map(lambda text: " ".join(str(text).split()).lower())
    for matches in (texts[flat == folded], texts[flat.str.contains(folded, regex=False)]):
        queryids = sorted(set(matches["queryid"].astype(str)))
        if len(queryids) == 1:
            return queryids[0]
        if len(queryids) > 1:
            raise PgdiagError(f"{len(queryids)} statements match {snippet(value)!r}: give the queryid "
                              f"({', '.join(queryids[:5])}{', …' if len(queryids) > 5 else ''})")
    raise PgdiagError(f"no statement matches {snippet(value)!r} in the latest snapshot: give the queryid "
                      "(see the report's statements)")


def trend(queryid: str, snapshots: Sequence[tuple[int, Snapshot]],
          plans: dict[int, tuple[str, float]]) -> tuple[str | None, list[TrendPoint]]:
    """The statement's text and one point per snapshot (id, snapshot; oldest first) that has it; `plans` is
    its plan fingerprint and cost per snapshot id."""
    points: list[TrendPoint] = []
    text: str | None = None
    previous: tuple[datetime, _Counters] | None = None
    last_plan: str | None = None
    for snapshot_id, snapshot in snapshots:
        counters, found_text = _counters(snapshot, queryid)
        plan = plans.get(snapshot_id)
        if counters is None:
            previous = None  # evicted or reset meanwhile: the next point counts from zero
            continue
        text = found_text or text
        base = previous[1] if previous and _continues(previous[1], counters) else None
        fingerprint = plan[0] if plan else None
        points.append(TrendPoint(
            snapshot_id=snapshot_id, collected_at=snapshot.collected_at,
            since=previous[0] if base is not None and previous else None,
            calls=int(counters.calls - (base.calls if base else 0)),
            total_ms=counters.total_ms - (base.total_ms if base else 0.0),
            rows=int(counters.rows - (base.rows if base else 0)),
            plan_fingerprint=fingerprint, plan_cost=plan[1] if plan else None,
            plan_changed=fingerprint is not None and last_plan is not None and fingerprint != last_plan))
        last_plan = fingerprint or last_plan
        previous = (snapshot.collected_at, counters)
    return text, points


def _counters(snapshot: Snapshot, queryid: str) -> tuple[_Counters | None, str | None]:
    """The statement's cumulative counters in `snapshot` (its entries added up), and its text."""
    frame = snapshot.frame("statements")
    if not snapshot.ok("statements") or frame.empty:
        return None, None
    rows = frame[frame["queryid"].astype(str) == queryid]
    if rows.empty:
        return None, None
    since = rows["stats_since"].max() if "stats_since" in rows else None
    text = next((str(t) for t in rows["query"] if isinstance(t, str)), None)
    return _Counters(calls=float(rows["calls"].sum()), total_ms=float(rows["total_exec_time"].sum()),
                     rows=float(rows["rows"].sum()), stats_since=None if pd.isna(since) else since,
                     stats_reset=statements_info(snapshot)[0]), text


def _continues(before: _Counters, after: _Counters) -> bool:
    """Whether `after` counts on from `before`: no reset, no entry restarted, no fewer calls."""
    return (after.calls >= before.calls and before.stats_since == after.stats_since
            and (before.stats_reset is None or after.stats_reset is None or after.stats_reset <= before.stats_reset))


def snippet(text: str, chars: int = 60) -> str:
    """`text` on one line, cut to `chars` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= chars else flat[:chars - 1] + "…"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
