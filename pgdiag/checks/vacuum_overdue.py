"""vacuum_overdue: tables changed since their last (auto)vacuum or (auto)analyze, long ago."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar, Iterable

from pgdiag.checks._support.catalog import count, iso_time, stats_since
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.lazy import pandas as pd
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified

MIB = 1 << 20
DAY = timedelta(days=1)


class VacuumOverdue(Check):
    """Table not vacuumed or not analysed for days although it changed since.

    **Problem**

    An ordinary table or materialized view was last vacuumed (manually or by autovacuum) at least
    ``max_age_days`` days ago and has dead rows or inserted rows since (``n_dead_tup`` or
    ``n_ins_since_vacuum`` above 0); or it was last analysed that long ago and rows changed
    since (``n_mod_since_analyze`` above 0). A table with no vacuum (or analyze) on record counts
    only when the statistics cover at least ``max_age_days``: they start at the database's
    statistics reset, else at the server's start (an under-estimate from PostgreSQL 15 on, where
    statistics survive a clean restart). Ages are measured from the server's clock at collection
    time, so a stored snapshot is judged the same way later.

    Severity is medium, low for tables smaller than ``small_table_mb`` (few changes on a small
    table may legitimately stay below autovacuum's thresholds for a long time).

    **Why it matters**

    Without vacuum, dead rows pile up (bloat, slower scans), the visibility map goes stale (index-only
    scans fall back to the heap) and transaction IDs age towards a forced anti-wraparound vacuum.
    Without analyze, the planner works from outdated row counts and value distributions and picks
    bad plans. A table autovacuum never reaches usually means autovacuum is disabled for it, its
    workers are busy elsewhere or it is blocked by locks or long transactions.

    **Fix**

    Vacuum (or only analyse) the table now::

        VACUUM (ANALYZE) public.t;
        ANALYZE public.t;

    then find why autovacuum skips it: ``autovacuum_enabled = false`` in its storage parameters,
    ``autovacuum_vacuum_scale_factor`` / ``autovacuum_vacuum_insert_scale_factor`` too high for a
    big table, too few ``autovacuum_max_workers``, or sessions holding locks on the table.
    """

    id: ClassVar[str] = "vacuum_overdue"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "max_age_days": Threshold(7, "days since the last (auto)vacuum or (auto)analyze, with changes since, "
                                     "before a table is reported (fractions allowed)"),
        "small_table_mb": Threshold(8, "tables smaller than this many MiB are reported with low severity"),
    }
    requires: ClassVar[tuple[str, ...]] = ("tables", "server")

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per table whose vacuum or analyze is overdue, per the server's clock."""
        tables, server = snapshot.frame("tables"), snapshot.frame("server")
        if tables.empty or server.empty:
            return
        now = server["now"].iloc[0]
        since, _ = stats_since(server.iloc[0])
        max_age = settings.max_age_days * DAY
        window_covers = now - since >= max_age

        tables = tables[tables["kind"].isin(["r", "m"])]
        last_vacuum = tables[["last_vacuum", "last_autovacuum"]].max(axis=1)
        last_analyze = tables[["last_analyze", "last_autoanalyze"]].max(axis=1)
        vacuum_due = (((tables["n_dead_tup"].fillna(0) > 0) | (tables["n_ins_since_vacuum"].fillna(0) > 0))
                      & _stale(last_vacuum, now, max_age, window_covers))
        analyze_due = (tables["n_mod_since_analyze"].fillna(0) > 0) & _stale(last_analyze, now, max_age,
                                                                              window_covers)
        fired = tables.assign(last_vacuum_any=last_vacuum, last_analyze_any=last_analyze,
                              vacuum_due=vacuum_due, analyze_due=analyze_due)[vacuum_due | analyze_due]
        for row in fired.to_dict("records"):
            yield _finding(row, now, since, settings.small_table_mb)


def _stale(last: pd.Series, now: pd.Timestamp, max_age: timedelta, window_covers: bool) -> pd.Series:
    """Whether `last` is at least `max_age` before `now`; never (NaT) counts when the statistics cover that long."""
    return (now - last >= max_age) | (last.isna() & window_covers)


def _finding(row: dict[str, Any], now: pd.Timestamp, since: pd.Timestamp, small_table_mb: float) -> Finding:
    """The finding for one table: VACUUM (ANALYZE) when vacuum is overdue, else ANALYZE."""
    name = qualified(row["schema"], row["table"])
    vacuum_due = bool(row["vacuum_due"])
    last = row["last_vacuum_any"] if vacuum_due else row["last_analyze_any"]
    action = "vacuumed" if vacuum_due else "analysed"
    dead, inserted, modified = (count(row[c]) or 0 for c in ("n_dead_tup", "n_ins_since_vacuum", "n_mod_since_analyze"))
    changes = f"{dead:,} dead and {inserted:,} inserted rows" if vacuum_due else f"{modified:,} modified rows"
    if pd.isna(last):
        title = f"{name} was not {action} in the {_days(now - since):.1f} days of statistics ({changes})"
    else:
        title = f"{name} was last {action} {_days(now - last):.1f} days ago ({changes} since)"
    fix_sql = f"VACUUM (ANALYZE) {name};" if vacuum_due else f"ANALYZE {name};"
    small = not pd.isna(row["table_bytes"]) and row["table_bytes"] < small_table_mb * MIB
    return Finding(
        check=VacuumOverdue.id,
        severity="low" if small else "medium",
        title=title,
        object=ObjectRef(schema=row["schema"], table=row["table"]),
        recommendation=(f"Run {fix_sql.rstrip(';')} now, then find why autovacuum skips {name}: autovacuum "
                        "disabled in its storage parameters, scale factors too high for its size, too few "
                        "autovacuum workers, or locks and long transactions in the way."),
        evidence={
            "vacuum_overdue": vacuum_due, "analyze_overdue": bool(row["analyze_due"]),
            "last_vacuum": iso_time(row["last_vacuum_any"]), "last_analyze": iso_time(row["last_analyze_any"]),
            "days_since_vacuum": _age(now, row["last_vacuum_any"]),
            "days_since_analyze": _age(now, row["last_analyze_any"]),
            "n_dead_tup": count(row["n_dead_tup"]), "n_ins_since_vacuum": count(row["n_ins_since_vacuum"]),
            "n_mod_since_analyze": count(row["n_mod_since_analyze"]),
            "statistics_since": iso_time(since), "server_now": iso_time(now),
            "table_bytes": count(row["table_bytes"]),
        },
        fix_sql=fix_sql,
    )


def _days(delta: pd.Timedelta) -> float:
    """A duration in days."""
    return delta / DAY


def _age(now: pd.Timestamp, last: Any) -> float | None:
    """Days from `last` to `now`, rounded to 0.1, None when there is no `last`."""
    return None if pd.isna(last) else round(_days(now - last), 1)
