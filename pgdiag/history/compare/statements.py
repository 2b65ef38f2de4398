"""Statement deltas between two scans (DESIGN §8) and the regressions among them.

Cumulative ``pg_stat_statements`` counters are subtracted per (queryid, dbid, userid, toplevel).
The baseline counts as zero for an entry that started counting after the baseline: all entries
after a full ``pg_stat_statements_reset()`` (``pg_stat_statements_info.stats_reset`` moved), one
entry whose ``stats_since`` moved (PostgreSQL 17+: it was evicted or reset on its own and came
back), and entries the baseline did not have. Entries with calls ≤ 0 after subtraction are
dropped: without ``stats_since`` an entry reset on its own shows fewer calls than before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from pgdiag.core.snapshot import Snapshot

KEY = ["queryid", "dbid", "userid", "toplevel"]
_COUNTERS = ["calls", "total_exec_time", "shared_blks_hit", "shared_blks_read"]
_LABELS = ["query", "database", "username"]


@dataclass(frozen=True)
class StatementsBasis:
    """What the statement deltas rest on: whether both scans had statements, the reset and evictions."""

    compared: bool
    stats_reset: datetime | None
    reset: bool
    dealloc: int | None


@dataclass(frozen=True)
class StatementDelta:
    """One statement's activity between the two scans.

    `mean_ms_before` is its mean up to the baseline (None when the baseline did not have it);
    `mean_ms_after` is the mean of the calls made since, so a slowdown is not diluted by history.
    """

    queryid: str
    text: str | None
    database: str | None
    username: str | None
    toplevel: bool
    calls_before: int
    calls_delta: int
    total_ms_delta: float
    mean_ms_before: float | None
    blocks_per_call_before: float | None
    blocks_delta: int

    @property
    def mean_ms_after(self) -> float:
        """Mean execution time of the calls made since the baseline."""
        return self.total_ms_delta / self.calls_delta

    @property
    def blocks_per_call_after(self) -> float:
        """Shared buffers touched (hit or read) per call since the baseline."""
        return self.blocks_delta / self.calls_delta

    def to_dict(self) -> dict[str, Any]:
        """The comparison's ``statements`` entry (DESIGN §4 keys first)."""
        return {"queryid": self.queryid, "text": self.text, "calls_delta": self.calls_delta,
                "total_ms_delta": round(self.total_ms_delta, 3), "mean_ms_before": _round(self.mean_ms_before),
                "mean_ms_after": _round(self.mean_ms_after), "database": self.database,
                "username": self.username, "toplevel": self.toplevel}


@dataclass(frozen=True)
class Regression:
    """A statement whose calls since the baseline are markedly slower than before it."""

    delta: StatementDelta

    @property
    def change_percent(self) -> float:
        """How much the mean went up, in percent of the baseline mean."""
        before = self.delta.mean_ms_before or 0.0
        return 100.0 * (self.delta.mean_ms_after - before) / before

    @property
    def added_ms(self) -> float:
        """Database time the slowdown cost since the baseline: (mean after − mean before) × calls."""
        return (self.delta.mean_ms_after - (self.delta.mean_ms_before or 0.0)) * self.delta.calls_delta

    def to_dict(self) -> dict[str, Any]:
        """The comparison's ``regressions`` entry."""
        d = self.delta
        return {"queryid": d.queryid, "text": d.text, "reason": "slower", "database": d.database,
                "username": d.username, "calls_before": d.calls_before, "calls_delta": d.calls_delta,
                "mean_ms_before": _round(d.mean_ms_before), "mean_ms_after": _round(d.mean_ms_after),
                "change_percent": round(self.change_percent, 1), "added_ms": round(self.added_ms, 3),
                "blocks_per_call_before": _round(d.blocks_per_call_before),
                "blocks_per_call_after": _round(d.blocks_per_call_after)}


def statement_deltas(before: Snapshot, after: Snapshot) -> tuple[StatementsBasis, list[StatementDelta]]:
    """Every statement with calls since the baseline, most total time first, and what the deltas rest on."""
    reset_before, dealloc_before = _info(before)
    reset_after, dealloc_after = _info(after)
    if not (before.ok("statements") and after.ok("statements")):
        return StatementsBasis(False, reset_after, False, None), []
    reset = reset_before is not None and reset_after is not None and reset_after > reset_before
    dealloc = None
    if dealloc_after is not None and (reset or dealloc_before is not None):
        dealloc = dealloc_after if reset else dealloc_after - (dealloc_before or 0)
    basis = StatementsBasis(True, reset_after, reset, dealloc if dealloc is None or dealloc >= 0 else None)

    merged = _entries(after).join(_entries(before), suffixes=("", "_b"), how="left")
    known = merged["calls_b"].notna()
    restarted = known & merged["stats_since"].notna() & merged["stats_since_b"].notna() & \
        (merged["stats_since"] != merged["stats_since_b"])
    counts_from_zero = ~known | restarted | reset
    deltas = []
    for key, row in merged.iterrows():
        base = {c: 0.0 if counts_from_zero[key] else float(row[f"{c}_b"]) for c in _COUNTERS}
        calls_delta = int(row["calls"] - base["calls"])
        if calls_delta <= 0:
            continue
        calls_before = int(row["calls_b"]) if known[key] else 0
        deltas.append(StatementDelta(
            queryid=str(key[0]), text=_text(row["query"]), database=_text(row["database"]),
            username=_text(row["username"]), toplevel=bool(key[3]), calls_before=calls_before,
            calls_delta=calls_delta, total_ms_delta=float(row["total_exec_time"] - base["total_exec_time"]),
            mean_ms_before=float(row["total_exec_time_b"]) / calls_before if calls_before else None,
            blocks_per_call_before=(float(row["shared_blks_hit_b"] + row["shared_blks_read_b"]) / calls_before
                                    if calls_before else None),
            blocks_delta=int(row["shared_blks_hit"] + row["shared_blks_read"]
                             - base["shared_blks_hit"] - base["shared_blks_read"]),
        ))
    deltas.sort(key=lambda d: d.total_ms_delta, reverse=True)
    return basis, deltas


def regressions(deltas: list[StatementDelta], *, percent: float, min_calls: int,
                min_added_ms: float) -> list[Regression]:
    """Statements whose mean since the baseline is at least `percent` % above their mean before it,
    with at least `min_calls` calls on each side and at least `min_added_ms` of extra time in all;
    the costliest first."""
    found = []
    for delta in deltas:
        if not delta.mean_ms_before or delta.calls_before < min_calls or delta.calls_delta < min_calls:
            continue
        regression = Regression(delta)
        if regression.change_percent >= percent and regression.added_ms >= min_added_ms:
            found.append(regression)
    found.sort(key=lambda r: r.added_ms, reverse=True)
    return found


def _entries(snapshot: Snapshot) -> pd.DataFrame:
    """The statements frame indexed by the entry key, entries without a queryid left out."""
    frame = snapshot.frame("statements")
    frame = frame[frame["queryid"].notna()].copy()
    frame["queryid"] = frame["queryid"].astype(str)
    frame["dbid"] = frame["dbid"].astype("int64")
    frame["userid"] = frame["userid"].astype("int64")
    frame["toplevel"] = frame["toplevel"].astype(bool)
    if "stats_since" not in frame:
        frame["stats_since"] = pd.NaT
    return frame.drop_duplicates(KEY).set_index(KEY)[_COUNTERS + _LABELS + ["stats_since"]]


def _info(snapshot: Snapshot) -> tuple[datetime | None, int | None]:
    """``pg_stat_statements_info``'s stats_reset and dealloc, None where unknown (before PostgreSQL 14)."""
    frame = snapshot.frame("statements_info")
    if not snapshot.ok("statements_info") or frame.empty:
        return None, None
    row = frame.iloc[0]
    reset = None if pd.isna(row["stats_reset"]) else pd.Timestamp(row["stats_reset"]).to_pydatetime()
    dealloc = None if pd.isna(row["dealloc"]) else int(row["dealloc"])
    return reset, dealloc


def _text(value: Any) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
