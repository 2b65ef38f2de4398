"""One scan, as a function: connect, collect, check. The command line and the tests both call this."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from pgdiag.checks import CheckRun, run_checks
from pgdiag.collect import CollectOptions, collect
from pgdiag.config import Config
from pgdiag.dsn import Target
from pgdiag.planner import Planner
from pgdiag.session import SessionLimits, connect
from pgdiag.snapshot import Snapshot


@dataclass
class ScanResult:
    """What a scan produced: the snapshot and the findings drawn from it."""

    snapshot: Snapshot
    checks: CheckRun


def scan(target: Target, *, limits: SessionLimits | None = None, options: CollectOptions | None = None,
         config: Config | None = None, on_progress: Callable[[str], None] | None = None) -> ScanResult:
    """Collect a snapshot of `target` over one safe session and run the checks on it.

    When statements were collected, the checks also get a `Planner` on a second read-only
    session, for what-if costing of index advice.
    """
    with connect(target, limits) as conn:
        snapshot = collect(conn, target.display, options, on_progress=on_progress)
    if not snapshot.ok("statements"):
        return ScanResult(snapshot=snapshot, checks=run_checks(snapshot, config))
    with Planner.open(target, limits) as planner:
        return ScanResult(snapshot=snapshot, checks=run_checks(snapshot, config, planner))
