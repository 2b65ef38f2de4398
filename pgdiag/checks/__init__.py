"""The check catalogue: one module per check in this package, found by scanning it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

import psycopg

from pgdiag.checks._support.settle import settle
from pgdiag.checks.base import Check, NotApplicable
from pgdiag.config.model import Config
from pgdiag.core.crashlog import write_crash_log
from pgdiag.core.findings import Finding, severity_rank
from pgdiag.core.plugins import discover
from pgdiag.core.snapshot import Snapshot
from pgdiag.db.error_text import describe_error

if TYPE_CHECKING:
    from pgdiag.db.planner import Planner

@cache
def registry() -> dict[str, type[Check]]:
    """Every check class by id, in catalogue (module name) order."""
    return discover(__name__, __path__, Check)


@dataclass
class CheckRun:
    """The findings of a run, worst first, and the checks that could not run with why."""

    findings: list[Finding] = field(default_factory=list)
    not_run: dict[str, str] = field(default_factory=dict)


def run_checks(snapshot: Snapshot, config: Config | None = None, planner: Planner | None = None) -> CheckRun:
    """Run every enabled check whose collectors succeeded; sort findings worst first, stable within a check.

    Findings another finding's fix settles are marked (`settle`). A check that fails (the database refuses its what-if costing, or a bug in pgdiag) is listed in
    `CheckRun.not_run` with why, and the others still report.

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
        try:
            result.findings.extend(check_class(planner).run(snapshot, settings))
        except NotApplicable as reason:
            result.not_run[check_id] = str(reason)
        except Exception as exc:  # one check's failure must not cost the report every other check's findings
            result.not_run[check_id] = _failure(exc)
    settle(result.findings)
    result.findings.sort(key=lambda f: severity_rank(f.severity))
    return result


def _failure(exc: Exception) -> str:
    """Why a check failed, in one line: the database's message, or for a bug the log with its traceback."""
    if isinstance(exc, psycopg.Error):
        return f"failed: {describe_error(exc)}"
    try:
        return f"failed with an internal error (a bug in pgdiag); details in {write_crash_log()}"
    except OSError:
        return f"failed with an internal error (a bug in pgdiag): {type(exc).__name__}"
