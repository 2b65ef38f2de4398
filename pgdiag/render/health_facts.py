"""The report header's server-health facts: the connected database's cache hit ratio and the oldest xmin
(what holds vacuum back the furthest), shown by the HTML, terminal and Markdown reports alike."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pgdiag.checks._support.horizon import horizon_holders
from pgdiag.core.snapshot import Snapshot

HOLDER_KINDS = {"session": "session pid", "prepared": "prepared transaction", "slot": "replication slot",
                "standby": "standby"}


@dataclass(frozen=True)
class HealthFacts:
    """`cache_hit_percent`: shared-buffer hits of all block reads of the database since its statistics reset
    (None before any read). `oldest_xmin_age`: transaction IDs the oldest holder of the horizon holds back,
    None when nothing holds it (or the collectors did not run); `oldest_xmin_holder` names it."""

    cache_hit_percent: float | None
    oldest_xmin_age: int | None
    oldest_xmin_holder: str | None
    horizon_known: bool

    def text(self) -> str:
        """One line for the terminal and Markdown headers, e.g. ``cache hit ratio 99.4 % · oldest xmin …``.

        >>> HealthFacts(99.42, 1234, "prepared transaction 'tx'", True).text()
        "cache hit ratio 99.4 % · oldest xmin 1,234 transactions old (prepared transaction 'tx')"
        >>> HealthFacts(None, None, None, True).text()
        'cache hit ratio unknown (no block read yet) · oldest xmin: nothing holds vacuum back'
        """
        cache = ("cache hit ratio unknown (no block read yet)" if self.cache_hit_percent is None
                 else f"cache hit ratio {self.cache_hit_percent:.1f} %")
        if not self.horizon_known:
            return cache
        if self.oldest_xmin_age is None:
            return f"{cache} · oldest xmin: nothing holds vacuum back"
        return f"{cache} · oldest xmin {self.oldest_xmin_age:,} transactions old ({self.oldest_xmin_holder})"


def health_facts(snapshot: Snapshot) -> HealthFacts:
    """The facts from the snapshot's ``database_stats`` and horizon collectors."""
    stats = snapshot.frame("database_stats")
    cache = None
    if not stats.empty:
        hit, read = float(stats["blks_hit"].iloc[0]), float(stats["blks_read"].iloc[0])
        if not (pd.isna(hit) or pd.isna(read)) and hit + read > 0:
            cache = 100 * hit / (hit + read)
    known = all(snapshot.ok(name) for name in ("activity", "prepared_xacts", "replication_slots", "replication"))
    holders = horizon_holders(snapshot) if known else []
    if not holders:
        return HealthFacts(cache, None, None, known)
    oldest = holders[0]
    name = f"'{oldest.name}'" if oldest.kind in ("prepared", "slot", "standby") else oldest.name
    return HealthFacts(cache, oldest.xid_age, f"{HOLDER_KINDS[oldest.kind]} {name}", known)
