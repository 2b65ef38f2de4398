"""Scans meet the history store: the record a scan leaves, and its comparison with the baseline (DESIGN §8)."""

from __future__ import annotations

from typing import Mapping, Sequence

from pgdiag.checks import registry
from pgdiag.collect.plans import StatementPlan
from pgdiag.config.model import Config
from pgdiag.core.findings import Finding, severity_rank
from pgdiag.core.snapshot import Snapshot
from pgdiag.history.compare import CompareSettings, Comparison, Side, compare
from pgdiag.history.store import NewSnapshot, Store, StoredSnapshot, StoreError
from pgdiag.scan import ScanResult


def checks_ran(config: Config, not_run: dict[str, str]) -> tuple[str, ...]:
    """The checks that ran in a scan: enabled, with every collector they need."""
    return tuple(check for check in registry() if config.enabled(check) and check not in not_run)


def record_of(result: ScanResult, key: str, name: str | None, config: Config) -> NewSnapshot:
    """What the store keeps of `result`: snapshot, findings, which checks ran and the statements' plans,
    under target `key`."""
    return NewSnapshot(target_key=key, target_name=name, snapshot=result.snapshot,
                       findings=list(result.checks.findings), not_run=dict(result.checks.not_run),
                       checks_ran=checks_ran(config, result.checks.not_run), plans=list(result.plans))


def plans_wanted(config: Config, stored: bool) -> int:
    """How many top statements a scan plans: ``[compare] plan_statements`` when it is stored, else none
    (plans cost the target planning time and are only kept for the comparison of stored scans)."""
    return CompareSettings(**config.compare).plan_statements if stored else 0


def reported_findings(findings: Sequence[Finding], comparison: Comparison | None) -> list[Finding]:
    """The report's findings: the scan's, and the comparison's ``plan_regression`` ones, worst first (a stable
    sort, so the scan's order holds within a severity)."""
    extra = comparison.plan_findings if comparison is not None else []
    return sorted([*findings, *extra], key=lambda f: severity_rank(f.severity)) if extra else list(findings)


def compare_with_latest(store: Store, record: NewSnapshot, config: Config) -> Comparison | None:
    """Compare a new scan with the latest stored snapshot of its target; None for the target's first scan."""
    baseline = store.latest(record.target_key)
    if baseline is None:
        return None
    return _compare(baseline, record.snapshot, record.findings, record.checks_ran, config,
                    {plan.queryid: plan for plan in record.plans})


def compare_with_previous(store: Store, stored: StoredSnapshot, config: Config) -> Comparison | None:
    """Compare a stored snapshot with the one its target had before it (what its report showed when taken)."""
    baseline = store.previous(stored.info)
    if baseline is None:
        return None
    return _compare(baseline, stored.snapshot, stored.findings, stored.checks_ran, config, stored.plans)


def _compare(baseline: StoredSnapshot, snapshot: Snapshot, findings: Sequence[Finding], ran: Sequence[str],
             config: Config, plans: Mapping[str, StatementPlan]) -> Comparison:
    before = Side(baseline.snapshot, baseline.findings, frozenset(baseline.checks_ran), baseline.plans)
    after = Side(snapshot, findings, frozenset(ran), plans)
    return compare(baseline.info.id, before, after, CompareSettings(**config.compare))


def pick_snapshot(store: Store, snapshot_id: int | None, target: str | None) -> StoredSnapshot:
    """Snapshot `snapshot_id`, else the latest of `target`, else the latest in a store that holds one
    target only (with several, guessing which one was meant would mislead)."""
    if snapshot_id is not None:
        stored = store.get(snapshot_id)
        if target is not None and target not in (stored.info.target_key, stored.info.target_name):
            raise StoreError(f"snapshot {snapshot_id} is of target {stored.info.target}, not {target}")
        return stored
    snapshots = store.snapshots(target)
    if not snapshots:
        raise StoreError(f"no snapshots of target {target} in store {store.display}" if target else
                         f"no snapshots in store {store.display}")
    targets = sorted({s.target for s in snapshots})
    if len(targets) > 1:
        raise StoreError(f"store {store.display} holds {len(targets)} targets ({', '.join(targets[:5])}"
                         f"{', …' if len(targets) > 5 else ''}): choose one with --target or --snapshot")
    return store.get(snapshots[-1].id)
