"""Terminal output of a comparison: what changed since the baseline snapshot, printed before the findings."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pgdiag.core.findings import Finding
from pgdiag.explain.plan import build_plan
from pgdiag.history.compare import Comparison
from pgdiag.history.compare.plans import PlanChange
from pgdiag.render.styles import SEVERITY_STYLES

LISTED = 10
TEXT_WIDTH = 100


def print_changes(comparison: Comparison, console: Console) -> None:
    """New and resolved findings, regressions, the busiest statements and table growth since the baseline."""
    console.print(f"\n[bold]Changes since snapshot {comparison.baseline_id}[/bold] "
                  f"(collected {comparison.baseline_collected_at:%Y-%m-%d %H:%M:%S} UTC): "
                  f"{changes_line(comparison)}")
    for line in basis_notes(comparison):
        console.print(f"  [yellow]{escape(line)}[/yellow]")
    _findings(console, "New findings", comparison.new)
    _findings(console, "Resolved findings", comparison.resolved)
    if comparison.regressions:
        console.print("  [bold]Regressions[/bold] (slower per call than before the baseline)")
        for regression in comparison.regressions[:LISTED]:
            d = regression.delta
            console.print(f"    query {escape(d.queryid)}: {d.mean_ms_before or 0:,.2f} → {d.mean_ms_after:,.2f} ms "
                          f"per call (+{regression.change_percent:,.0f} %) over {d.calls_delta:,} calls, "
                          f"+{regression.added_ms / 1000:,.1f} s: {escape(one_line(d.text or ''))}")
    if comparison.plan_changes:
        console.print("  [bold]Plan changes[/bold] (the generic plan changed shape)")
        for change in comparison.plan_changes[:LISTED]:
            console.print(f"    {escape(plan_change_line(change))}")
    if comparison.statements:
        table = Table(title="Busiest statements since the baseline", title_justify="left", expand=False)
        for column in ("queryid", "calls", "total ms", "mean ms before", "mean ms since", "statement"):
            table.add_column(column, overflow="fold")
        for d in comparison.statements[:LISTED]:
            before = f"{d.mean_ms_before:,.2f}" if d.mean_ms_before is not None else "new"
            table.add_row(escape(d.queryid), f"{d.calls_delta:,}", f"{d.total_ms_delta:,.1f}", before,
                          f"{d.mean_ms_after:,.2f}", escape(one_line(d.text or "")))
        console.print(table)
    if comparison.tables:
        console.print("  [bold]Table growth[/bold]")
        for t in comparison.tables[:LISTED]:
            before = human_bytes(t.bytes_before) if t.bytes_before is not None else "new"
            console.print(f"    {escape(t.schema)}.{escape(t.table)}: {signed_bytes(t.bytes_delta)} "
                          f"({before} → {human_bytes(t.bytes_after)})")
    if comparison.not_compared:
        console.print(f"  [dim]not compared (ran in one of the two scans only): "
                      f"{escape(', '.join(comparison.not_compared))}[/dim]")


def plan_change_line(change: PlanChange) -> str:
    """``query 42: Index Scan using i on t → Seq Scan on t; index i no longer exists; 0.05 → 3.10 ms per call``."""
    parts = [f"query {change.queryid}: {plan_summary(change.old.plan)} → {plan_summary(change.new.plan)}"]
    if change.indexes_dropped:
        parts.append(f"index {', '.join(change.indexes_dropped)} no longer exists")
    elif change.indexes_gone:
        parts.append(f"index {', '.join(change.indexes_gone)} no longer used")
    if change.analyzed:
        parts.append(f"analysed since: {', '.join(change.analyzed)}")
    if change.delta is not None:
        parts.append(f"{change.delta.mean_ms_before or 0:,.2f} → {change.delta.mean_ms_after:,.2f} ms per call")
    if change.text:
        parts.append(one_line(change.text))
    return "; ".join(parts)


def plan_summary(plan: dict[str, Any]) -> str:
    """The plan's reads of tables in order, e.g. ``Index Scan using i on t, Seq Scan on u``."""
    reads = [node.label() for node in build_plan({"Plan": plan}).nodes if node.relation]
    return ", ".join(reads) or str(plan.get("Node Type", "?"))


def changes_line(comparison: Comparison) -> str:
    """``2 new, 1 resolved, 1 regression``: the comparison in a few words."""
    regressions = len(comparison.regressions)
    return (f"{len(comparison.new)} new, {len(comparison.resolved)} resolved, "
            f"{regressions} regression{'' if regressions == 1 else 's'}")


def basis_notes(comparison: Comparison) -> list[str]:
    """What the reader must know about the statement figures: a reset, evictions, or no statements at all."""
    basis = comparison.basis
    notes = []
    if not basis.compared:
        notes.append("statement figures not compared: pg_stat_statements was not read in both scans")
    if basis.reset and basis.stats_reset is not None:
        notes.append(f"pg_stat_statements was reset at {basis.stats_reset:%Y-%m-%d %H:%M:%S} UTC: "
                     "statement figures count from the reset, not from the baseline")
    if basis.dealloc:
        notes.append(f"pg_stat_statements evicted {basis.dealloc:,} entries since the baseline: evicted statements "
                     "are missing from the deltas (raise pg_stat_statements.max)")
    return notes


def human_bytes(value: int) -> str:
    """A size in binary units, e.g. ``1.5 MiB``.

    >>> human_bytes(8192), human_bytes(1572864), human_bytes(12)
    ('8.0 KiB', '1.5 MiB', '12 B')
    """
    units = ("B", "KiB", "MiB", "GiB", "TiB")
    size, unit = float(value), 0
    while abs(size) >= 1024 and unit < len(units) - 1:
        size, unit = size / 1024, unit + 1
    return f"{int(size)} B" if unit == 0 else f"{size:,.1f} {units[unit]}"


def signed_bytes(value: int) -> str:
    """A size change with its sign, e.g. ``+1.5 MiB``."""
    return ("+" if value >= 0 else "−") + human_bytes(abs(value))


def _findings(console: Console, heading: str, findings: list[Finding]) -> None:
    if not findings:
        return
    console.print(f"  [bold]{heading}[/bold] ({len(findings)})")
    for finding in findings[:LISTED]:
        console.print(f"    [{SEVERITY_STYLES[finding.severity]}]{finding.severity}[/] {finding.check}: "
                      f"{escape(finding.title)}")
    if len(findings) > LISTED:
        console.print(f"    … and {len(findings) - LISTED} more")


def one_line(text: str) -> str:
    """A statement folded onto one line and cut to TEXT_WIDTH characters."""
    folded = " ".join(text.split())
    return folded if len(folded) <= TEXT_WIDTH else folded[: TEXT_WIDTH - 1] + "…"
