"""Plan changes between two stored scans (issue 20, DESIGN §10 ``comparison.plan_changes``).

A statement's plan changed when its generic plan's fingerprint (node types, relations, indexes,
join order: `pgdiag.collect.plans`) differs between the baseline and this scan. Each change says
which indexes the plan stopped or started reading, which of the stopped ones no longer exist (the
baseline's index frame has them, this scan's does not), which tables the plans read were analysed
since (``last_analyze``/``last_autoanalyze`` moved), and the statement's mean per call before and
since. A change whose statement also regressed (the comparison's regression thresholds) is a
``plan_regression`` finding naming the index or statistics involved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd

from pgdiag.collect.plans import StatementPlan
from pgdiag.core.findings import Finding, ObjectRef, QueryRef
from pgdiag.core.snapshot import Snapshot
from pgdiag.db.planner import walk
from pgdiag.history.compare.statements import Regression, StatementDelta

CHECK = "plan_regression"
_CREATE_INDEX = re.compile(r"^CREATE (UNIQUE )?INDEX ", re.IGNORECASE)


@dataclass(frozen=True)
class PlanChange:
    """One statement whose plan shape differs from the baseline's."""

    queryid: str
    text: str | None
    old: StatementPlan
    new: StatementPlan
    indexes_gone: tuple[str, ...]
    indexes_new: tuple[str, ...]
    indexes_dropped: tuple[str, ...]
    analyzed: tuple[str, ...]
    delta: StatementDelta | None
    regression: Regression | None

    def to_dict(self) -> dict[str, Any]:
        """The comparison's ``plan_changes`` entry (DESIGN §10 keys first)."""
        d = self.delta
        return {"queryid": self.queryid, "old_plan": self.old.plan, "new_plan": self.new.plan,
                "indexes_gone": list(self.indexes_gone), "indexes_new": list(self.indexes_new),
                "mean_ms_before": _round(d.mean_ms_before) if d else None,
                "mean_ms_after": _round(d.mean_ms_after) if d else None,
                "text": self.text, "old_fingerprint": self.old.fingerprint, "new_fingerprint": self.new.fingerprint,
                "old_cost": round(self.old.total_cost, 2), "new_cost": round(self.new.total_cost, 2),
                "indexes_dropped": list(self.indexes_dropped), "analyzed": list(self.analyzed),
                "calls_delta": d.calls_delta if d else None, "regressed": self.regression is not None}


def plan_changes(before: Snapshot, before_plans: Mapping[str, StatementPlan], after: Snapshot,
                 after_plans: Mapping[str, StatementPlan], deltas: list[StatementDelta],
                 regressions: list[Regression]) -> list[PlanChange]:
    """The statements planned in both scans whose plan shape changed, regressed ones first, then by the time
    their calls took since the baseline."""
    database = after.target.get("database")
    busiest: dict[str, StatementDelta] = {}
    for delta in deltas:
        if delta.database in (None, database) and (delta.queryid not in busiest
                                                   or delta.calls_delta > busiest[delta.queryid].calls_delta):
            busiest[delta.queryid] = delta
    regressed = {r.delta.queryid: r for r in regressions if r.delta.database in (None, database)}
    old_indexes = _index_names(before)
    new_indexes = _index_names(after)
    analysed_at = (_analysed(before), _analysed(after))
    changes = []
    for queryid, new in after_plans.items():
        old = before_plans.get(queryid)
        if old is None or old.fingerprint == new.fingerprint:
            continue
        gone = sorted(old.indexes() - new.indexes())
        tables = sorted(old.relations() | new.relations())
        delta = busiest.get(queryid)
        changes.append(PlanChange(
            queryid=queryid, text=delta.text if delta else None, old=old, new=new, indexes_gone=tuple(gone),
            indexes_new=tuple(sorted(new.indexes() - old.indexes())),
            indexes_dropped=tuple(i for i in gone if i in old_indexes and i not in new_indexes),
            analyzed=tuple(t for t in tables if _moved(t, *analysed_at)), delta=delta,
            regression=regressed.get(queryid)))
    changes.sort(key=lambda c: (c.regression is None, -(c.delta.total_ms_delta if c.delta else 0.0)))
    return changes


def plan_regression_findings(changes: list[PlanChange], before: Snapshot) -> list[Finding]:
    """A high ``plan_regression`` finding per changed plan whose statement regressed, naming the dropped index
    (with the baseline's definition to recreate it) or the statistics analysed since, where either applies."""
    definitions = before.frame("indexes")
    findings = []
    for change in changes:
        regression, delta = change.regression, change.delta
        if regression is None or delta is None:
            continue
        index = (change.indexes_dropped or change.indexes_gone or (None,))[0]
        row = _index_row(definitions, index)
        schema, table = (row["schema"], row["table"]) if row is not None else (None, _first(change.analyzed))
        access = _access(change.new.plan, table)
        if change.indexes_dropped:
            cause = f"index {index} on {table} no longer exists"
            advice = (f"Index {index} was dropped since the baseline and the statement now uses {access}. "
                      "Recreate it (fix_sql, the baseline's definition) unless the drop was meant.")
        elif change.analyzed:
            cause = f"statistics of {', '.join(change.analyzed)} analysed since"
            advice = (f"The plan changed after {', '.join(change.analyzed)} was analysed: compare the two plans; "
                      "raise the statistics target or add extended statistics if the new estimates are off.")
        elif index is not None:
            cause = f"index {index} no longer used"
            advice = f"The planner stopped using {index} and now uses {access}: compare the two plans."
        else:
            cause = "plan shape changed"
            advice = "The planner chose another plan: compare the two plans."
        findings.append(Finding(
            check=CHECK, severity="high",
            title=f"Plan changed ({cause}): {delta.mean_ms_before or 0:,.2f} → {delta.mean_ms_after:,.2f} ms per call",
            object=ObjectRef(schema=schema, table=table, index=index),
            query=QueryRef(queryid=change.queryid, text=delta.text or "", calls=delta.calls_delta,
                           total_ms=round(delta.total_ms_delta, 3), mean_ms=round(delta.mean_ms_after, 3)),
            evidence={"old_fingerprint": change.old.fingerprint, "new_fingerprint": change.new.fingerprint,
                      "indexes_gone": list(change.indexes_gone), "indexes_new": list(change.indexes_new),
                      "indexes_dropped": list(change.indexes_dropped), "analyzed": list(change.analyzed),
                      "mean_ms_before": _round(delta.mean_ms_before), "mean_ms_after": _round(delta.mean_ms_after),
                      "change_percent": round(regression.change_percent, 1),
                      "added_ms": round(regression.added_ms, 3),
                      "old_cost": round(change.old.total_cost, 2), "new_cost": round(change.new.total_cost, 2)},
            recommendation=advice,
            fix_sql=_recreate(row) if change.indexes_dropped and row is not None else None))
    return findings


def _index_names(snapshot: Snapshot) -> set[str]:
    """The names of the indexes the snapshot's index frame lists (empty when it was not read)."""
    frame = snapshot.frame("indexes")
    return set(frame["index"].astype(str)) if "index" in frame else set()


def _index_row(frame: pd.DataFrame, index: str | None) -> pd.Series | None:
    """The index frame's row of `index`, or None."""
    if index is None or "index" not in frame:
        return None
    rows = frame[frame["index"] == index]
    return None if rows.empty else rows.iloc[0]


def _recreate(row: pd.Series) -> str | None:
    """The baseline's definition of an index as a ``CREATE INDEX CONCURRENTLY`` statement."""
    definition = row.get("definition")
    if not isinstance(definition, str) or not _CREATE_INDEX.match(definition):
        return None
    return _CREATE_INDEX.sub(lambda m: f"CREATE {m.group(1) or ''}INDEX CONCURRENTLY ", definition, count=1) + ";"


def _analysed(snapshot: Snapshot) -> dict[str, Any]:
    """Each table's latest analyse (manual or automatic) by table name, from the tables frame."""
    frame = snapshot.frame("tables")
    if frame.empty or "table" not in frame:
        return {}
    latest: dict[str, Any] = {}
    for table, manual, auto in zip(frame["table"], frame.get("last_analyze", pd.Series(dtype=object)),
                                   frame.get("last_autoanalyze", pd.Series(dtype=object))):
        moments = [_utc(m) for m in (manual, auto) if m is not None and not pd.isna(m)]
        latest[str(table)] = max(moments) if moments else None
    return latest


def _utc(moment: Any) -> pd.Timestamp:
    """A timestamp in UTC, whether it comes from the server (aware) or from a stored frame."""
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _moved(table: str, before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether `table` was analysed between the two scans."""
    return after.get(table) is not None and after.get(table) != before.get(table)


def _access(plan: dict[str, Any], table: str | None) -> str:
    """How the plan reads `table`, e.g. ``a Seq Scan``; ``another plan`` when it does not say."""
    kinds = [str(node.get("Node Type")) for node in walk(plan) if table and node.get("Relation Name") == table]
    return f"a {kinds[0]}" if kinds else "another plan"


def _first(values: tuple[str, ...]) -> str | None:
    return values[0] if values else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
