"""The check catalogue: one module per check in this package, found by scanning it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from pgdiag.checks.base import Check
from pgdiag.config import Config
from pgdiag.findings import Finding, severity_rank
from pgdiag.plugins import discover
from pgdiag.snapshot import Snapshot

if TYPE_CHECKING:
    from pgdiag.planner import Planner

_NOT_CHECKS = {"base", "helpers", "workload_helpers"}


@cache
def registry() -> dict[str, type[Check]]:
    """Every check class by id, in catalogue (module name) order."""
    return discover(__name__, __path__, Check, _NOT_CHECKS)


@dataclass
class CheckRun:
    """The findings of a run, worst first, and the checks that could not run with why."""

    findings: list[Finding] = field(default_factory=list)
    not_run: dict[str, str] = field(default_factory=dict)


def run_checks(snapshot: Snapshot, config: Config | None = None, planner: Planner | None = None) -> CheckRun:
    """Run every enabled check whose collectors succeeded; sort findings worst first, stable within a check.

    `planner` gives checks what-if costing on the live database; without it (a stored snapshot)
    they fall back to estimates.
    """
    config = config or Config()
    result = CheckRun()
    for check_id, check_class in registry().items():
        if not config.enabled(check_id):
            continue
        missing = [name for name in check_class.requires if not snapshot.ok(name)]
        if missing:
            result.not_run[check_id] = f"needs collector(s) {', '.join(missing)}"
            continue
        settings = check_class.settings(config.overrides(check_id))
        result.findings.extend(check_class(planner).run(snapshot, settings))
    result.findings.sort(key=lambda f: severity_rank(f.severity))
    return result
