"""Everything the HTML report's templates show, prepared from a `Report`: header facts, the summary's
top actions, findings grouped by check, the capped listings and the charts.

Templates only lay out; every decision about order, caps and gain is made here (and documented in
docs/report.md), so it can be tested without parsing HTML.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from pgdiag.checks import registry
from pgdiag.core.findings import SEVERITIES, Finding, severity_rank
from pgdiag.core.report import Report
from pgdiag.core.snapshot import Snapshot
from pgdiag.render.actions import Action, Wholes, top_actions
from pgdiag.render.charts import TOP_BARS, BarChart, Item, bar_chart
from pgdiag.render.health_facts import HealthFacts, health_facts
from pgdiag.render.plan_changes import PlanChangeView, plan_change_views
from pgdiag.render.listings import (
    Listing,
    growth_by_table,
    index_listing,
    statement_listing,
    table_listing,
)
from pgdiag.sql.workload import parsed, search_path

FINDINGS_PER_CHECK = 100
YOUNG_STATISTICS = timedelta(days=7)


@dataclass(frozen=True)
class StatsAge:
    """How long the cumulative statistics have been counting when the snapshot was taken.

    `exact` is False when they were never reset and the server's start is all that is known (they
    are at least that old). `statements_since` is pg_stat_statements' own last reset, when known.
    """

    since: datetime
    exact: bool
    age: timedelta
    statements_since: datetime | None

    @property
    def young(self) -> bool:
        """Under a week: usage counts (unused indexes, scans) may miss weekly or monthly jobs."""
        return self.age < YOUNG_STATISTICS


@dataclass(frozen=True)
class FindingGroup:
    """The findings of one check, worst first as the check ranked them, capped at FINDINGS_PER_CHECK."""

    check: str
    summary: str | None
    counts: dict[str, int]
    findings: list[dict[str, Any]]
    left_out: int

    @property
    def worst(self) -> str:
        """The worst severity among the group's findings."""
        return next(severity for severity, n in self.counts.items() if n)


@dataclass(frozen=True)
class ReportView:
    """The template context of report.html."""

    doc: dict[str, Any]
    counts: dict[str, int]
    wholes: Wholes
    stats: StatsAge | None
    health: HealthFacts
    problems: list[dict[str, Any]]
    not_run: dict[str, str]
    tenancy: str | None
    actions: list[Action]
    groups: list[FindingGroup]
    statements: Listing
    tables: Listing
    indexes: Listing
    index_flags: dict[tuple[str, str], list[dict[str, Any]]]
    charts: dict[str, BarChart | None]
    plan_changes: list[PlanChangeView] = field(default_factory=list)
    history_store: str | None = None
    """The store as a shell word for ``pgdiag history --store``, when the report's snapshot is stored."""


def report_view(report: Report) -> ReportView:
    """Prepare `report` for report.html."""
    doc = report.document()
    snapshot = report.snapshot
    wholes = Wholes.of(snapshot)
    actions = top_actions(report.findings, wholes)
    comparison = doc.get("comparison")
    growth = growth_by_table(comparison["tables"]) if comparison is not None else None
    statements = statement_listing(snapshot.frame("statements"))
    tables = table_listing(snapshot.frame("tables"), growth)
    groups = finding_groups(report.findings, keep={a.finding.fingerprint for a in actions})
    return ReportView(
        doc=doc,
        counts=report.severity_counts(),
        wholes=wholes,
        stats=stats_age(report),
        health=health_facts(snapshot),
        problems=[c for c in doc["collectors"] if c["status"] != "ok" or c["message"]],
        not_run=report.not_run,
        tenancy=report.tenancy.describe() if report.tenancy is not None else None,
        actions=actions,
        groups=groups,
        statements=statements,
        tables=tables,
        indexes=index_listing(snapshot.frame("indexes")),
        index_flags=index_flags(groups),
        charts={"time": _time_chart(statements, snapshot), "sizes": _size_chart(tables),
                "growth": _growth_chart(comparison) if comparison is not None else None},
        plan_changes=plan_change_views(comparison),
        history_store=store_argument(report.history_store),
    )


def store_argument(display: str | None) -> str | None:
    """The store's display as a ``--store`` argument: shell-quoted, without the note that a password was
    left out (the reader's PGDIAG_STORE or ~/.pgpass supplies it).

    >>> store_argument("/var/lib/pgdiag/my store.sqlite3"), store_argument(None)
    ("'/var/lib/pgdiag/my store.sqlite3'", None)
    """
    if display is None:
        return None
    return shlex.quote(display.removesuffix(" (password redacted)"))


def stats_age(report: Report) -> StatsAge | None:
    """How old the statistics were at collection time, from the server collector (None without it)."""
    server = report.snapshot.frame("server")
    if server.empty:
        return None
    row = server.iloc[0]
    exact = not pd.isna(row["stats_reset"])
    since = pd.Timestamp(row["stats_reset"] if exact else row["postmaster_start_time"]).to_pydatetime()
    info = report.snapshot.frame("statements_info")
    statements_since = None
    if not info.empty and not pd.isna(info["stats_reset"].iloc[0]):
        statements_since = pd.Timestamp(info["stats_reset"].iloc[0]).to_pydatetime()
    return StatsAge(since, exact, report.snapshot.collected_at - since, statements_since)


def age_text(age: timedelta) -> str:
    """A duration as a DBA would say it.

    >>> age_text(timedelta(seconds=40)), age_text(timedelta(minutes=90)), age_text(timedelta(days=3, hours=6))
    ('40 seconds', '1.5 hours', '3.2 days')
    >>> age_text(timedelta(seconds=1)), age_text(timedelta(days=1))
    ('1 second', '1 day')
    """
    seconds = max(age.total_seconds(), 0.0)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            value = f"{seconds / size:.1f}".removesuffix(".0")
            break
    else:
        unit, value = "second", f"{seconds:.0f}"
    return f"{value} {unit}" + ("" if value == "1" else "s")


def finding_groups(findings: list[Finding], keep: set[str] = frozenset()) -> list[FindingGroup]:
    """Findings by check, the group with the worst finding first (then the larger group, then by id).

    Each group shows its first FINDINGS_PER_CHECK findings and any finding in `keep` (the summary's
    actions link to them).
    """
    by_check: dict[str, list[Finding]] = {}
    for finding in findings:
        by_check.setdefault(finding.check, []).append(finding)
    checks = registry()
    groups = []
    for check, items in by_check.items():
        shown = [f for n, f in enumerate(items) if n < FINDINGS_PER_CHECK or f.fingerprint in keep]
        counts = {severity: sum(f.severity == severity for f in items) for severity in SEVERITIES}
        summary = checks[check].summary() if check in checks else None
        groups.append(FindingGroup(check, summary, counts, [f.to_dict() for f in shown], len(items) - len(shown)))
    groups.sort(key=lambda g: (severity_rank(g.worst), -sum(g.counts.values()), g.check))
    return groups


def index_flags(groups: list[FindingGroup]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The findings shown on the page about each index, by (schema, index), for the index listing to link."""
    flags: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for group in groups:
        for finding in group.findings:
            obj = finding["object"]
            if obj["index"]:
                flags.setdefault((obj["schema"], obj["index"]), []).append(finding)
    return flags


def _time_chart(statements: Listing, snapshot: Snapshot) -> BarChart | None:
    """Share of all statement time of the ten statements with the most time, each linked to its row."""
    path = search_path(snapshot)
    items = [Item(statement_label(s["query"], path) if s["query"] else f"queryid {s['queryid']}",
                  s["query"] or "", (s["share"] or 0.0,), f"#statement-{n}")
             for n, s in enumerate(statements.rows[:TOP_BARS], 1)]
    return bar_chart("Share of statement time", items, "percent", ["seg-time"], scale_to=100.0)


def statement_label(text: str, path: tuple[str, ...]) -> str:
    """A statement named by what it does: its command and the tables it touches, e.g. ``SELECT Alert,
    Project``; the text itself when it does not parse as a data statement.

    >>> statement_label('SELECT "id" FROM "public"."Alert" a JOIN "Project" p ON p.id = a."projectId"', ("public",))
    'SELECT Alert, Project'
    >>> statement_label("VACUUM", ("public",))
    'VACUUM'
    """
    analysis = parsed(text, path)
    if analysis.kind != "ok" or analysis.statement is None or not analysis.statement.refs:
        return text
    tables = dict.fromkeys(ref.table for ref in analysis.statement.refs)
    return f"{analysis.statement.command.upper()} {', '.join(tables)}"


def _size_chart(tables: Listing) -> BarChart | None:
    """The ten largest tables, table (with TOAST) and indexes stacked, each linked to its row."""
    items = [Item(f"{t['schema']}.{t['table']}", f"{t['schema']}.{t['table']}",
                  (t["table_bytes"] or 0, t["index_bytes"] or 0), f"#table-{n}")
             for n, t in enumerate(tables.rows[:TOP_BARS], 1) if t["total_bytes"] is not None]
    return bar_chart("Largest tables", items, "bytes", ["seg-heap", "seg-index"],
                     legend=[("seg-heap", "table and TOAST"), ("seg-index", "indexes")])


def _growth_chart(comparison: dict[str, Any]) -> BarChart | None:
    """The ten tables that grew most since the baseline snapshot."""
    items = [Item(f"{t['schema']}.{t['table']}", f"{t['schema']}.{t['table']}", (t["bytes_delta"],))
             for t in comparison["tables"] if t["bytes_delta"] > 0]
    return bar_chart("Growth since the baseline", items, "growth", ["seg-growth"])
