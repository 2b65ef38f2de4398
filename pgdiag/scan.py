"""One scan, as a function: connect, collect, check. The command line and the tests both call this."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

import psycopg

from pgdiag.checks import CheckRun, run_checks
from pgdiag.collect import CollectOptions, collect
from pgdiag.collect.plans import StatementPlan, capture_plans, skipped_status, statements_to_plan
from pgdiag.config.model import Config
from pgdiag.core.errors import ConnectError
from pgdiag.core.findings import at_or_above
from pgdiag.core.heap import release_free_heap
from pgdiag.core.snapshot import Snapshot
from pgdiag.db.dsn import Target
from pgdiag.db.planner import Planner
from pgdiag.db.session import SessionLimits, connect
from pgdiag.db.side_session import SideQueries

if TYPE_CHECKING:  # the Prisma parser is imported only when a schema is given
    from pgdiag.prisma.schema import Schema as PrismaSchema


@dataclass
class ScanResult:
    """What a scan produced: the snapshot and the findings drawn from it."""

    snapshot: Snapshot
    checks: CheckRun
    plans: list[StatementPlan] = field(default_factory=list)


def scan(target: Target, *, limits: SessionLimits | None = None, options: CollectOptions | None = None,
         config: Config | None = None, on_progress: Callable[[str], None] | None = None,
         prisma_schema: PrismaSchema | None = None, side: SideQueries | None = None,
         plans: int = 0) -> ScanResult:
    """Collect a snapshot of `target` over one safe session and run the checks on it.

    When statements were collected, the checks also get a `Planner` on a second read-only
    session, for what-if costing of index advice. With `prisma_schema`, index findings get their
    ``prisma_fix`` (the schema.prisma change, in the model's and fields' names). `side` is the second
    session's catalog queries when the caller started them already (to overlap its own start-up).
    """
    side = side or SideQueries(target, limits)
    with connect(target, limits) as conn:
        snapshot = collect(conn, target.display, options, on_progress=on_progress, side=side)
    release_free_heap()
    if on_progress:
        on_progress("checks")
    planner = _planner(target, limits, snapshot) if snapshot.ok("statements") else None
    try:
        checks = run_checks(snapshot, config, planner)
        taken = _plans(snapshot, checks, planner, plans) if plans > 0 else []
    finally:
        if planner is not None:
            planner.close()
    snapshot.forget_derived()
    if prisma_schema is not None:
        from pgdiag.prisma.fixes import with_prisma_fixes

        checks.findings = with_prisma_fixes(checks.findings, prisma_schema)
    return ScanResult(snapshot=snapshot, checks=checks, plans=taken)


def _plans(snapshot: Snapshot, checks: CheckRun, planner: Planner | None, limit: int) -> list[StatementPlan]:
    """The generic plans a stored scan keeps; the ``plans`` collector's status joins the snapshot's."""
    if not snapshot.ok("statements"):
        snapshot.collectors.append(skipped_status("pg_stat_statements was not read"))
        return []
    if planner is None:
        snapshot.collectors.append(skipped_status("the planner session could not open (see statements)"))
        return []
    serious = [f.query.queryid for f in checks.findings
               if f.query is not None and f.query.queryid and at_or_above(f.severity, "high")]
    taken, status = capture_plans(planner, statements_to_plan(snapshot, limit, serious))
    snapshot.collectors.append(status)
    return taken


def _planner(target: Target, limits: SessionLimits | None, snapshot: Snapshot) -> Planner | None:
    """The what-if planner on its own session; None, with a note on the statements collector, when that session
    cannot open or answer (connection limit, timeout): index advice is then estimated, not lost."""
    try:
        return Planner.open(target, limits)
    except (ConnectError, psycopg.Error) as exc:
        status = snapshot.status("statements")
        if status is not None:
            reason = f"no planner session ({' '.join(str(exc).split())}): index advice is estimated, not planned"
            status.message = f"{status.message}; {reason}" if status.message else reason
        return None
