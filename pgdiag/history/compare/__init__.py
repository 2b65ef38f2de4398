"""What changed between two scans of one target: new and resolved findings, statement deltas,
regressions and table growth (DESIGN §4 ``comparison``, §8). Pure: snapshots and findings in,
a `Comparison` out; no database access, so it works on stored snapshots."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence

from pgdiag.collect.plans import StatementPlan
from pgdiag.core.errors import ConfigError
from pgdiag.core.findings import Finding
from pgdiag.core.snapshot import Snapshot
from pgdiag.history.compare.findings import finding_changes
from pgdiag.history.compare.plans import PlanChange, plan_changes, plan_regression_findings
from pgdiag.history.compare.statements import (
    Regression,
    StatementDelta,
    StatementsBasis,
    regressions,
    statement_deltas,
)
from pgdiag.history.compare.tables import TableGrowth, table_growth


@dataclass(frozen=True)
class CompareSettings:
    """Thresholds of the comparison (pgdiag.toml ``[compare]``)."""

    regression_percent: float = 50.0
    """A statement regressed when its mean per call since the baseline is at least this much higher."""
    regression_min_calls: int = 50
    """…with at least this many calls before the baseline and since it (fewer calls make a noisy mean)…"""
    regression_min_added_ms: float = 500.0
    """…and the slowdown cost at least this many milliseconds of database time since the baseline."""
    statements: int = 100
    """How many statement deltas the report lists (the most total time since the baseline first)."""
    tables: int = 50
    """How many tables the report lists under growth (most growth first)."""
    plan_statements: int = 50
    """With --store: how many top statements (by total time) get their generic plan stored, besides the
    statements of critical and high findings."""

    @classmethod
    def validate(cls, section: Any, path: Path) -> dict[str, Any]:
        """The ``[compare]`` section of pgdiag.toml `path`: known names, numbers of the right kind, positive and
        finite (TOML's ``nan`` would silently switch regressions off, ``inf`` too)."""
        if not isinstance(section, dict):
            raise ConfigError(f"invalid config file {path}: [compare] must be a table")
        defaults = {f.name: f.default for f in fields(cls)}
        for name, value in section.items():
            if name not in defaults:
                raise ConfigError(f"invalid config file {path}: [compare] has no option {name!r}")
            integral = isinstance(defaults[name], int)
            kinds = (int,) if integral else (int, float)
            if isinstance(value, bool) or not isinstance(value, kinds) or not 0 < value < float("inf"):
                raise ConfigError(f"invalid config file {path}: compare.{name} must be a positive "
                                  f"{'whole number' if integral else 'number'}, got {value!r}")
        return dict(section)


@dataclass(frozen=True)
class Side:
    """One of the two scans: its snapshot, its findings, the checks that ran in it and its statements' plans
    by queryid (none for scans stored without plans)."""

    snapshot: Snapshot
    findings: Sequence[Finding]
    checks_ran: frozenset[str]
    plans: Mapping[str, StatementPlan] = field(default_factory=dict)


@dataclass(frozen=True)
class Comparison:
    """What changed since the baseline snapshot."""

    baseline_id: int
    baseline_collected_at: datetime
    new: list[Finding]
    resolved: list[Finding]
    not_compared: list[str]
    basis: StatementsBasis
    statements: list[StatementDelta]
    regressions: list[Regression]
    tables: list[TableGrowth]
    plan_changes: list[PlanChange] = field(default_factory=list)
    plan_findings: list[Finding] = field(default_factory=list)
    """``plan_regression`` findings: drawn from the two scans together, so they join the report's findings
    (not the stored snapshot's, which a later comparison would otherwise call resolved)."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract's ``comparison`` object (docs/json-contract.md)."""
        return {
            "baseline": {"id": self.baseline_id, "collected_at": iso_utc(self.baseline_collected_at)},
            "new": [f.to_dict() for f in self.new],
            "resolved": [f.to_dict() for f in self.resolved],
            "statements": [d.to_dict() for d in self.statements],
            "regressions": [r.to_dict() for r in self.regressions],
            "tables": [t.to_dict() for t in self.tables],
            "plan_changes": [c.to_dict() for c in self.plan_changes],
            "statements_info": {
                "compared": self.basis.compared,
                "stats_reset": iso_utc(self.basis.stats_reset) if self.basis.stats_reset else None,
                "reset": self.basis.reset, "dealloc": self.basis.dealloc},
            "not_compared": self.not_compared,
        }


def compare(baseline_id: int, before: Side, after: Side, settings: CompareSettings | None = None) -> Comparison:
    """Compare the scan `after` with the stored baseline `before` (snapshot `baseline_id`)."""
    settings = settings or CompareSettings()
    changes = finding_changes(before.findings, before.checks_ran, after.findings, after.checks_ran)
    basis, deltas = statement_deltas(before.snapshot, after.snapshot)
    slower = regressions(deltas, percent=settings.regression_percent, min_calls=settings.regression_min_calls,
                         min_added_ms=settings.regression_min_added_ms)
    changed = plan_changes(before.snapshot, before.plans, after.snapshot, after.plans, deltas, slower)
    return Comparison(
        baseline_id=baseline_id, baseline_collected_at=before.snapshot.collected_at,
        new=changes.new, resolved=changes.resolved, not_compared=changes.not_compared,
        basis=basis, statements=deltas[:settings.statements],
        regressions=slower, tables=table_growth(before.snapshot, after.snapshot, settings.tables),
        plan_changes=changed, plan_findings=plan_regression_findings(changed, before.snapshot),
    )


def iso_utc(moment: datetime) -> str:
    """A timestamp as the contract writes them: UTC, whole seconds, ``Z``.

    >>> iso_utc(datetime(2026, 11, 24, 19, 0, 0, 5, tzinfo=timezone.utc))
    '2026-11-24T19:00:00Z'
    """
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
