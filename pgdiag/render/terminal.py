"""Terminal output: findings grouped by severity, the top items with their fix, and what could not be collected."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from pgdiag.core.findings import SEVERITIES, Finding
from pgdiag.core.report import Report
from pgdiag.render.console import console as safe_console
from pgdiag.render.health_facts import health_facts
from pgdiag.render.styles import SEVERITY_STYLES

DETAILED = 10
PER_CHECK = 10
"""Findings listed per check by default: a person reads the worst few; the JSON and HTML hold every one."""
OBJECT_WIDTH = 40


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


def print_report(report: Report, console: Console | None = None, per_check: int | None = PER_CHECK) -> None:
    """Print the report for a person at a terminal (rich markup; no markup taken from the data): the
    findings of each check, its `per_check` highest ranked (every one when None) with how many more the
    JSON and HTML reports hold, then the top findings with their fix."""
    console = console or safe_console()
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
    for check_id, reason in report.partial.items():
        console.print(f"  [yellow]partial[/yellow] check {check_id}: {escape(reason)}")
    if not report.findings:
        console.print("\n[green]No findings.[/green]")
        return
    console.print(_listing(report.findings, per_check), soft_wrap=True, end="")
    console.print("\n[bold]Top findings[/bold]")
    for number, finding in enumerate(report.findings[:DETAILED], 1):
        console.print(f"\n[bold]{number}. {escape(finding.title)}[/bold] "
                      f"[{SEVERITY_STYLES[finding.severity]}]{finding.severity}[/]")
        if finding.query is not None:
            console.print(f"   query: {escape(_one_line(finding.query.text, 160))}")
        if finding.objects:
            console.print(f"   on {escape(finding.objects_summary() or '')}")
        console.print(f"   {escape(finding.recommendation)}")
        if finding.fix_sql:
            console.print(f"   fix: [green]{escape(finding.fix_sql)}[/green]")
        if finding.prisma_fix:
            console.print(f"   schema.prisma: [green]{escape(finding.prisma_fix)}[/green]")
    counts = ", ".join(f"{n} {sev}" for sev, n in report.severity_counts().items() if n)
    console.print(f"\n{len(report.findings)} findings: {counts}")


def print_collectors(report: Report, console: Console | None = None) -> None:
    """Each collector's status, rows and seconds: where the scan's time went and what was left out."""
    console = console or safe_console()
    table = Table(title="collectors", show_header=True, header_style="bold", expand=False)
    for column in ("collector", "status", "rows", "seconds", "note"):
        table.add_column(column, overflow="fold", justify="right" if column in ("rows", "seconds") else "left")
    for status in report.snapshot.collectors:
        table.add_row(status.name, status.status, f"{status.rows:,}", f"{status.seconds:.3f}",
                      escape(status.message or ""))
    console.print(table)


def _listing(findings: list[Finding], per_check: int | None) -> Text:
    """The findings grouped by check (checks in the order of their highest ranked finding), one line each
    with its rank, cut to `per_check` per check with a line saying how many more there are.

    One styled Text of plain lines rather than a rich Table or markup: a Table measures every cell to
    fit its columns and markup is parsed again, seconds for thousands of findings; this costs less
    than writing the same findings as JSON.
    """
    by_check: dict[str, list[tuple[int, Finding]]] = {}
    for rank, finding in enumerate(findings, 1):
        by_check.setdefault(finding.check, []).append((rank, finding))
    shown = [(check, ranked if per_check is None else ranked[:per_check]) for check, ranked in by_check.items()]
    rank_width = len(str(len(findings)))
    object_width = min(max((len(object_label(f)) for _, rows in shown for _, f in rows), default=0), OBJECT_WIDTH)
    text = Text()
    for (check, rows), ranked in zip(shown, by_check.values()):
        counts = Counter(f.severity for _, f in ranked)
        summary = ", ".join(f"{counts[severity]:,} {severity}" for severity in SEVERITIES if counts[severity])
        text.append("\n")
        text.append(check, "bold")
        text.append(f": {len(ranked):,} finding{'s' if len(ranked) != 1 else ''} ({summary})\n")
        for rank, finding in rows:
            text.append(f"  {rank:>{rank_width}}  ")
            text.append(f"{finding.severity:<8}", SEVERITY_STYLES[finding.severity])
            text.append(f" {_cut(object_label(finding), OBJECT_WIDTH):<{object_width}}  "
                        f"{_one_line(finding.title, 160)}\n")
        if len(rows) < len(ranked):
            text.append(f"  … and {len(ranked) - len(rows):,} more {check} findings: every one is in the JSON and "
                        "HTML reports (--json, --html); --all-findings lists them here\n", "dim")
    return text


def _cut(text: str, width: int) -> str:
    """`text` cut to `width` characters, an ellipsis marking the cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _one_line(text: str, width: int) -> str:
    """`text` with whitespace folded, cut to `width` characters."""
    return _cut(" ".join(text.split()), width)
