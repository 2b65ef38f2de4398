"""slow_query judged on what happened since the previous snapshot, when there is one.

pg_stat_statements counts from the last reset: a statement fixed by an index yesterday keeps last month's
mean for weeks, so a tracked scan that judged the cumulative figures would report it "slow" long after the
comparison shows its mean fell to nothing. With a store, the statements' counters are taken as deltas since
the target's latest snapshot (the same subtraction as the comparison, DESIGN §8) and slow_query is run again on
them; its findings then say "since <the snapshot's time>". Other checks judge the database as it is and keep
their findings.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from pgdiag.checks import registry
from pgdiag.config.model import Config
from pgdiag.core.findings import severity_rank
from pgdiag.core.snapshot import Snapshot
from pgdiag.history.store import Store
from pgdiag.scan import ScanResult
from pgdiag.sql.workload import SUMMED

CHECK = "slow_query"
ENTRY = ["queryid", "dbid", "userid", "toplevel"]


def judge_since_latest(result: ScanResult, store: Store, key: str, config: Config) -> None:
    """Replace `result`'s slow_query findings by those judged on the statements' figures since the latest
    stored snapshot of `key`; unchanged for a first snapshot, after a reset of pg_stat_statements since then, or
    when slow_query did not run."""
    if CHECK not in result.checks.ran or not config.enabled(CHECK):
        return
    baseline = store.latest(key)
    if baseline is None or not baseline.snapshot.ok("statements"):
        return
    if _reset_between(baseline.snapshot, result.snapshot):
        return
    recent = since_snapshot(result.snapshot, baseline.snapshot)
    check = registry()[CHECK]
    judged = list(check().run(recent, check.settings(config.overrides(CHECK))))
    others = [f for f in result.checks.findings if f.check != CHECK]
    result.checks.findings = sorted(others + judged, key=lambda f: severity_rank(f.severity))


def since_snapshot(snapshot: Snapshot, baseline: Snapshot) -> Snapshot:
    """`snapshot` with its statements' counters made deltas since `baseline` (per queryid, database, role and
    level; entries that did not grow are left out) and ``stats_since`` set to the baseline's time."""
    now, before = snapshot.frame("statements"), baseline.frame("statements")
    summed = [c for c in SUMMED if c in now.columns]
    if before.empty or not set(ENTRY + summed) <= set(before.columns):
        delta = now.copy()
    else:
        old = before[summed].assign(entry=_entry_keys(before)).groupby("entry").sum().add_suffix("_before")
        delta = now.assign(entry=_entry_keys(now)).join(old, on="entry")
        for column in summed:
            delta[column] = delta[column] - delta[f"{column}_before"].fillna(0)
        delta = delta.drop(columns=["entry", *(f"{c}_before" for c in summed)])
    delta = delta[delta["calls"] > 0].copy()
    delta["stats_since"] = pd.Timestamp(baseline.collected_at)
    return replace(snapshot, frames={**snapshot.frames, "statements": delta}, _derived={})


def _entry_keys(frame: pd.DataFrame) -> pd.Series:
    """One text key per pg_stat_statements entry (queryid, database, role, level), the same whatever types the
    columns came back with (a stored snapshot's all-NULL queryids read back as floats)."""
    parts = [frame[column].map(_key_part) for column in ENTRY]
    return parts[0].str.cat(parts[1:], sep="\x1f")


def _key_part(value: object) -> str:
    """An entry key's part as text: numbers and booleans as integers (1.0, 1 and True alike), NULL as ""."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        return str(int(value))
    return str(value)


def _reset_between(before: Snapshot, after: Snapshot) -> bool:
    """Whether pg_stat_statements was reset between two snapshots (its reset time changed; counters then start
    after the baseline). Unknown before PostgreSQL 14: the deltas then drop entries that did not grow."""
    return _last_reset(before) != _last_reset(after)


def _last_reset(snapshot: Snapshot) -> pd.Timestamp | None:
    """pg_stat_statements_info.stats_reset of a snapshot, None when unknown."""
    info = snapshot.frame("statements_info")
    if info.empty or "stats_reset" not in info.columns or pd.isna(info["stats_reset"].iloc[0]):
        return None
    moment = pd.Timestamp(info["stats_reset"].iloc[0])
    return moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")
