"""checkpoint_pressure: checkpoints forced by WAL volume rather than by checkpoint_timeout."""

from __future__ import annotations

import math
from typing import Any, ClassVar, Iterable

from pgdiag.core.lazy import pandas as pd

from pgdiag.checks._support.sessions import keyed_fingerprint, setting
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot

MIB = 1 << 20


class CheckpointPressure(Check):
    """Checkpoints requested by WAL volume instead of timed: max_wal_size is too small.

    **Problem**

    Of the checkpoints since the statistics reset (``pg_stat_bgwriter``; ``pg_stat_checkpointer``
    on PostgreSQL 17+), at least ``requested_percent`` % were requested rather than started by
    ``checkpoint_timeout``, over at least ``min_checkpoints`` checkpoints. Requested checkpoints
    come mostly from WAL reaching ``max_wal_size`` (also from ``CHECKPOINT`` commands, base backups
    and database creation). On PostgreSQL 14+ the finding gives the ``max_wal_size`` that fits:
    the WAL written per ``checkpoint_timeout`` at the average rate since ``pg_stat_wal``'s reset,
    times (1 + ``checkpoint_completion_target``), rounded up to a power of two in GB or MB; on 13
    it suggests doubling.

    Severity is medium.

    **Why it matters**

    Each checkpoint writes every dirty buffer, and the first change of each page after it writes
    the whole page to WAL (full-page writes): frequent checkpoints multiply WAL volume, I/O and
    replication traffic, and make write latency spiky. The server log says "checkpoints are
    occurring too frequently" when they come less than ``checkpoint_warning`` apart.

    **Fix**

    Raise ``max_wal_size`` so that ``checkpoint_timeout`` starts most checkpoints (it needs only a
    reload; keep the disk holding ``pg_wal`` large enough for it)::

        ALTER SYSTEM SET max_wal_size = '16GB';
        SELECT pg_reload_conf();
    """

    id: ClassVar[str] = "checkpoint_pressure"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "requested_percent": Threshold(20, "percentage of checkpoints requested (not timed) before it is reported"),
        "min_checkpoints": Threshold(10, "checkpoints since the reset needed before the share is judged"),
    }
    requires: ClassVar[tuple[str, ...]] = ("checkpoints", "settings")

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """At most one finding for the server."""
        frame = snapshot.frame("checkpoints")
        if frame.empty:
            return
        row = frame.iloc[0].to_dict()
        timed, requested = int(row["timed"]), int(row["requested"])
        total = timed + requested
        if total < settings.min_checkpoints or total == 0:
            return
        percent = 100 * requested / total
        if percent < settings.requested_percent:
            return
        max_wal_mb = int(setting(snapshot, "max_wal_size") or 0)
        suggested_mb = _fitting_max_wal_mb(row, snapshot, max_wal_mb)
        fix_sql = f"ALTER SYSTEM SET max_wal_size = '{_size_text(suggested_mb)}';\nSELECT pg_reload_conf();"
        yield Finding(
            check=CheckpointPressure.id,
            severity="medium",
            title=(f"{requested:,} of {total:,} checkpoints ({percent:.0f} %) were requested, not timed: "
                   f"max_wal_size {_size_text(max_wal_mb)} is too small for the WAL written"),
            object=ObjectRef(),
            recommendation=(f"Raise max_wal_size to about {_size_text(suggested_mb)} so checkpoint_timeout starts most "
                            "checkpoints (a reload is enough; pg_wal's disk must hold it), and make sure no job runs "
                            "CHECKPOINT on a schedule."),
            evidence={"timed": timed, "requested": requested, "requested_percent": round(percent, 1),
                      "max_wal_size_mb": max_wal_mb, "suggested_max_wal_size_mb": suggested_mb,
                      "wal_bytes_per_timeout": _wal_per_timeout(row, snapshot),
                      "stats_reset": None if pd.isna(row["stats_reset"]) else pd.Timestamp(row["stats_reset"]).isoformat()},
            fix_sql=fix_sql,
            fingerprint=keyed_fingerprint(CheckpointPressure.id, "server"),
        )


def _wal_per_timeout(row: dict[str, Any], snapshot: Snapshot) -> int | None:
    """Bytes of WAL written per checkpoint_timeout at the average rate since pg_stat_wal's reset (14+)."""
    if pd.isna(row.get("wal_bytes")) or pd.isna(row.get("wal_since")):
        return None
    seconds = (pd.Timestamp(row["now"]) - pd.Timestamp(row["wal_since"])).total_seconds()
    timeout = int(setting(snapshot, "checkpoint_timeout") or 300)
    return int(float(row["wal_bytes"]) / seconds * timeout) if seconds > 0 else None


def _fitting_max_wal_mb(row: dict[str, Any], snapshot: Snapshot, current_mb: int) -> int:
    """The max_wal_size, in MB, at which the average WAL per checkpoint_timeout would not force a checkpoint;
    twice the current one when the rate is unknown (PostgreSQL 13), and never less than that."""
    per_timeout = _wal_per_timeout(row, snapshot)
    doubled = max(current_mb * 2, 64)
    if per_timeout is None:
        return doubled
    target = float(setting(snapshot, "checkpoint_completion_target") or 0.9)
    needed = per_timeout * (1 + target) / MIB
    return max(2 ** math.ceil(math.log2(max(needed, 1))), doubled)


def _size_text(mb: int) -> str:
    """A max_wal_size value as written in postgresql.conf.

    >>> _size_text(1024), _size_text(96)
    ('1GB', '96MB')
    """
    return f"{mb // 1024}GB" if mb >= 1024 and mb % 1024 == 0 else f"{mb}MB"
