"""The check catalogue: one module per check in this package, found by scanning it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from pgdiag.checks._support.grouping import FindingGroups, group_findings
from pgdiag.checks._support.settle import INVOLVED, settle
from pgdiag.checks.base import Check, NotApplicable
from pgdiag.config.model import Config
from pgdiag.core.crashlog import write_crash_log
from pgdiag.core.findings import Finding, severity_rank
from pgdiag.core.lazy import psycopg
from pgdiag.core.plugins import discover
from pgdiag.core.snapshot import Snapshot
from pgdiag.db.error_text import describe_error
from pgdiag.tenant.model import Tenancy, tenancy

if TYPE_CHECKING:
    from pgdiag.db.planner import Planner

@cache
def registry() -> dict[str, type[Check]]:
    """Every check class by id, in catalogue (module name) order."""
    return discover(__name__, __path__, Check)


@dataclass
class CheckRun:
    """The findings of a run, worst first; the checks that ran (in catalogue order), those of them that ran only in
    part (`partial`, with why and the fix) and the checks that could not run with why."""

    findings: list[Finding] = field(default_factory=list)
    not_run: dict[str, str] = field(default_factory=dict)
    tenancy: Tenancy | None = None
    ran: list[str] = field(default_factory=list)
    partial: dict[str, str] = field(default_factory=dict)


def run_checks(snapshot: Snapshot, config: Config | None = None, planner: Planner | None = None) -> CheckRun:
    """Run every enabled check whose collectors succeeded; sort findings worst first, stable within a check.

    A check that fails (a database error, or a bug in pgdiag) is listed in `CheckRun.not_run` with why, and the
    others still report. A check whose what-if costing the database refused on some tables (permission denied)
    ran in part: it is listed in `CheckRun.partial` with the tables and the GRANT that fixes it. Findings another
    finding's fix settles are then marked (`settle`), and findings of one statement shape grouped
    (`FindingGroups`; as they come for the checks `settle` does not read).

    `planner` gives checks what-if costing on the live database; without it (a stored snapshot)
    they fall back to estimates.
    """
    config = config or Config()
    result = CheckRun(tenancy=_tenancy(snapshot, config))
    found: dict[str, list[Finding]] = {}
    for check_id, check_class in registry().items():
        if not config.enabled(check_id):
            continue
        missing = [name for name in check_class.requires if not snapshot.ok(name)]
        if missing:
            result.not_run[check_id] = f"needs collector(s) {', '.join(missing)}"
            continue
        settings = check_class.settings(config.overrides(check_id))
        refusals_before = len(planner.refusals) if planner is not None else 0
        # Findings no other finding settles are final as they come: grouped at once, the thousands of per-table
        # findings of one statement shape never live whole side by side (peak memory, bench/scale.py).
        findings = found.setdefault(check_id, [])
        groups = FindingGroups(snapshot) if check_id not in INVOLVED else None
        take = groups.add if groups is not None else findings.append
        try:
            for finding in check_class(planner).run(snapshot, settings):
                take(finding)
        except NotApplicable as reason:
            result.not_run[check_id] = str(reason)
            continue
        except Exception as exc:  # one check's failure must not cost the report every other check's findings
            result.not_run[check_id] = _failure(exc)
            continue
        finally:
            if groups is not None:
                found[check_id] = groups.findings()
        result.ran.append(check_id)
        denied = {relation: planner.denied[relation]
                  for relation in planner.refusals[refusals_before:]} if planner is not None else {}
        if denied:
            result.partial[check_id] = _refused(denied)
    settle([finding for check_id in INVOLVED for finding in found.get(check_id, ())])
    result.findings = [finding for check_id, findings in found.items()
                       for finding in (group_findings(findings, snapshot) if check_id in INVOLVED else findings)]
    result.findings.sort(key=lambda f: severity_rank(f.severity))
    return result


def _tenancy(snapshot: Snapshot, config: Config) -> Tenancy:
    """The tenant column the tenant checks use and how it was chosen; without the ``columns`` collector only a
    configured column is known."""
    if snapshot.ok("columns"):
        return tenancy(snapshot, config.tenancy)
    column = config.tenancy.tenant_column
    return Tenancy(column, "configured" if column else "none")


def _refused(denied: dict[str, str]) -> str:
    """Why a check ran only in part: the relations the database would not plan on, and the GRANTs."""
    return (f"the database refused to plan statements on {', '.join(denied)} (permission denied), so no index "
            f"advice or what-if costing for them; fix: {' '.join(denied.values())}")


def _failure(exc: Exception) -> str:
    """Why a check failed, in one line: the database's message, or for a bug the log with its traceback."""
    if isinstance(exc, psycopg.Error):
        return f"failed: {describe_error(exc)}"
    try:
        return f"failed with an internal error (a bug in pgdiag); details in {write_crash_log()}"
    except OSError:
        return f"failed with an internal error (a bug in pgdiag): {type(exc).__name__}"
