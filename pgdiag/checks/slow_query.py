"""slow_query: statements that are slow per call or take a large share of the database's time."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Iterable

from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef, QueryRef
from pgdiag.core.lazy import pandas as pd
from pgdiag.core.snapshot import Snapshot
from pgdiag.sql.workload import HIDDEN_TEXT, group_entries

TITLE_TEXT_CHARS = 80


class SlowQuery(Check):
    """Statement that is slow on average or takes a large share of all statement time.

    **Problem**

    A top-level statement in ``pg_stat_statements`` (entries of all roles and parameter types for the
    same text counted together) either takes at least ``mean_ms`` ms per call on average over at least
    ``min_calls`` calls, or its total execution time is at least ``share_percent`` % of the total of
    all top-level statements and at least ``min_total_ms`` ms (so a nearly idle database does not
    report a 3 ms statement as "40 % of the time"). Statements whose text pgdiag may not see still
    count in that total but are not reported (grant ``pg_read_all_stats`` to see them). Findings
    are ranked by total time.

    Severity is high when the statement takes at least ``high_share_percent`` % of all statement time
    or at least ``high_mean_ms`` ms per call, medium otherwise.

    The figures are cumulative: the title says since when they count (the statement's entry started
    counting, PostgreSQL 17+, else the last reset of ``pg_stat_statements``). A statement fixed since
    then keeps its old mean until the statistics are reset; with ``--store``, the comparison with the
    previous snapshot shows the mean before and after.

    **Why it matters**

    Slow statements hold connections, locks and snapshots longer, keep users waiting and are often
    where most of the database's CPU and I/O goes: the statements at the top by total time are
    where tuning pays off most.

    **Fix**

    Look at the plan with ``pgdiag explain --queryid N``: a missing index, a misestimate, a sort
    or hash spilling to disk (temp blocks written) or reading most pages from disk rather than
    shared buffers (blocks read versus hit) each have their own remedy. A statement that is fast
    but called very often is better batched than tuned.
    """

    id: ClassVar[str] = "slow_query"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "mean_ms": Threshold(50, "mean execution time per call, in ms, for the mean rule"),
        "min_calls": Threshold(50, "fewest calls for the mean rule"),
        "share_percent": Threshold(10, "share of all top-level statements' execution time, in %, for the share rule"),
        "min_total_ms": Threshold(1000, "least total execution time, in ms, for the share rule"),
        "high_share_percent": Threshold(25, "share of all statement time, in %, from which a finding is high"),
        "high_mean_ms": Threshold(500, "mean time per call, in ms, from which a finding is high"),
    }
    requires: ClassVar[tuple[str, ...]] = ("statements",)

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per slow statement (by database, text and search_path, whatever its queryids), largest
        total time first."""
        statements = snapshot.frame("statements")
        if statements.empty:
            return
        top = statements[statements["toplevel"].astype(bool)]
        all_ms = float(top["total_exec_time"].sum())
        visible = top[top["query"].notna() & (top["query"] != HIDDEN_TEXT)]
        if visible.empty or all_ms <= 0:
            return
        grouped = group_entries(snapshot, visible)
        mean = grouped["total_exec_time"] / grouped["calls"].where(grouped["calls"] > 0)
        share = 100 * grouped["total_exec_time"] / all_ms
        mean_rule = (mean >= settings.mean_ms) & (grouped["calls"] >= settings.min_calls)
        share_rule = (share >= settings.share_percent) & (grouped["total_exec_time"] >= settings.min_total_ms)
        fired = grouped.assign(mean_ms=mean, share=share, mean_rule=mean_rule, share_rule=share_rule)
        fired = fired[mean_rule | share_rule].sort_values("total_exec_time", ascending=False)
        reset = _statements_reset(snapshot)
        for row in fired.reset_index().to_dict("records"):
            yield _finding(row, settings, _since(row.get("stats_since"), reset))


def _statements_reset(snapshot: Snapshot) -> datetime | None:
    """When pg_stat_statements was last reset (pg_stat_statements_info, PostgreSQL 14+), None when unknown."""
    info = snapshot.frame("statements_info")
    if info.empty or "stats_reset" not in info.columns or pd.isna(info["stats_reset"].iloc[0]):
        return None
    return pd.Timestamp(info["stats_reset"].iloc[0]).to_pydatetime()


def _since(entry_since: Any, reset: datetime | None) -> datetime | None:
    """Since when a statement's cumulative figures count: its entries' own start (PostgreSQL 17+), else the
    last reset of pg_stat_statements, else unknown (None)."""
    if entry_since is not None and not pd.isna(entry_since):
        return pd.Timestamp(entry_since).to_pydatetime()
    return reset


def _finding(row: dict[str, Any], settings: Any, since: datetime | None = None) -> Finding:
    """The finding for one statement, pointing at `pgdiag explain` for its plan; the figures are cumulative, so
    the title says since when they count."""
    queryids = list(row["queryids"])
    queryid = queryids[0] if queryids else None
    mean, share, total = float(row["mean_ms"]), float(row["share"]), float(row["total_exec_time"])
    calls, temp_written = int(row["calls"]), int(row["temp_blks_written"])
    hit, read = int(row["shared_blks_hit"]), int(row["shared_blks_read"])
    text = " ".join(row["query"].split())
    snippet = text if len(text) <= TITLE_TEXT_CHARS else text[:TITLE_TEXT_CHARS - 1] + "…"
    recommendation = (f"Look at its plan with: pgdiag explain --queryid {queryid}" if queryid
                      else "Look at its plan with pgdiag explain")
    hints = []
    if temp_written:
        hints.append(f"it wrote {temp_written:,} temporary blocks: a sort or hash spills to disk (work_mem)")
    if read > hit:
        hints.append("most of its pages came from disk rather than shared buffers")
    recommendation += ("; " + " and ".join(hints) if hints else "") + "."
    return Finding(
        check=SlowQuery.id,
        severity="high" if share >= settings.high_share_percent or mean >= settings.high_mean_ms else "medium",
        title=(f"{mean:,.1f} ms per call over {calls:,} call{'s' if calls != 1 else ''} "
               f"{f'since {since:%Y-%m-%d %H:%M} UTC' if since else 'since the statistics began'}, "
               f"{share:.1f} % of statement time: {snippet}"),
        object=ObjectRef(),
        recommendation=recommendation,
        query=QueryRef(queryid=queryid, text=row["query"], calls=calls, total_ms=round(total, 3),
                       mean_ms=round(mean, 3), rows=int(row["rows"])),
        evidence={
            "share_percent": round(share, 1), "mean_ms": round(mean, 3), "total_ms": round(total, 3),
            "calls": calls, "rows": int(row["rows"]), "shared_blks_hit": hit, "shared_blks_read": read,
            "temp_blks_written": temp_written,
            "database": row["database"] if isinstance(row["database"], str) else None,
            "rules": [name for name in ("mean", "share") if row[f"{name}_rule"]],
            "counted_since": since.strftime("%Y-%m-%dT%H:%M:%SZ") if since else None,
            **({"queryids": queryids} if len(queryids) > 1 else {}),
        },
    )
