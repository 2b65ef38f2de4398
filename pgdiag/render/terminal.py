"""Terminal output: findings grouped by severity, the top items with their fix, and what could not be collected."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pgdiag.core.findings import Finding
from pgdiag.core.report import Report
from pgdiag.render.health_facts import health_facts
from pgdiag.render.styles import SEVERITY_STYLES

DETAILED = 10


def object_label(finding: Finding) -> str:
    """``schema.table.index (columns)`` or the statement's queryid: what the finding is about, briefly."""
    obj = finding.object
    parts = [p for p in (obj.schema, obj.table, obj.index) if p]
    label = ".".join(parts)
    if obj.columns:
        label += f" ({', '.join(obj.columns)})"
    if not label and finding.query is not None:
        label = f"query {finding.query.queryid}"
    return label


def print_report(report: Report, console: Console | None = None) -> None:
    """Print the report for a person at a terminal (rich markup; no markup taken from the data)."""
    console = console or Console(highlight=False)
    target = report.snapshot.target
    console.print(f"[bold]pgdiag scan[/bold] of {escape(str(target.get('dsn')))} — PostgreSQL "
                  f"{escape(str(target.get('server_version')))}, collected "
                  f"{report.snapshot.collected_at:%Y-%m-%d %H:%M:%S} UTC")
    console.print(f"  {escape(health_facts(report.snapshot).text())}")
    if report.comparison is not None:
        from pgdiag.render.changes import print_changes

        print_changes(report.comparison, console)
    for status in report.snapshot.collectors:
        if status.status != "ok" or status.message:
            console.print(f"  [yellow]{status.status}[/yellow] collector {status.name}: "
                          f"{escape(status.message or '')}")
    for check_id, reason in report.not_run.items():
        console.print(f"  [dim]check {check_id} not run: {escape(reason)}[/dim]")
    if report.tenancy is not None:
        console.print(f"  tenancy: {escape(report.tenancy.describe())}")
    if not report.findings:
        console.print("\n[green]No findings.[/green]")
        return
    table = Table(show_header=True, header_style="bold", expand=False)
    for column in ("#", "severity", "check", "object", "finding"):
        table.add_column(column, overflow="fold")
    for number, finding in enumerate(report.findings, 1):
        table.add_row(str(number), f"[{SEVERITY_STYLES[finding.severity]}]{finding.severity}[/]", finding.check,
                      escape(object_label(finding)), escape(finding.title))
    console.print(table)
    console.print("\n[bold]Top findings[/bold]")
    for number, finding in enumerate(report.findings[:DETAILED], 1):
        console.print(f"\n[bold]{number}. {escape(finding.title)}[/bold] "
                      f"[{SEVERITY_STYLES[finding.severity]}]{finding.severity}[/]")
        if finding.query is not None:
            console.print(f"   query: {escape(_one_line(finding.query.text, 160))}")
        console.print(f"   {escape(finding.recommendation)}")
        if finding.fix_sql:
            console.print(f"   fix: [green]{escape(finding.fix_sql)}[/green]")
        if finding.prisma_fix:
            console.print(f"   schema.prisma: [green]{escape(finding.prisma_fix)}[/green]")
    counts = ", ".join(f"{n} {sev}" for sev, n in report.severity_counts().items() if n)
    console.print(f"\n{len(report.findings)} findings: {counts}")


def print_collectors(report: Report, console: Console | None = None) -> None:
    """Each collector's status, rows and seconds: where the scan's time went and what was left out."""
    console = console or Console(highlight=False)
    table = Table(title="collectors", show_header=True, header_style="bold", expand=False)
    for column in ("collector", "status", "rows", "seconds", "note"):
        table.add_column(column, overflow="fold", justify="right" if column in ("rows", "seconds") else "left")
    for status in report.snapshot.collectors:
        table.add_row(status.name, status.status, f"{status.rows:,}", f"{status.seconds:.3f}",
                      escape(status.message or ""))
    console.print(table)


def _one_line(text: str, width: int) -> str:
    """`text` with whitespace folded, cut to `width` characters."""
    folded = " ".join(text.split())
    return folded if len(folded) <= width else folded[: width - 1] + "…"
