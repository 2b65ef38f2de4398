"""Markdown for pull-request comments and chat: the summary, what changed since the last snapshot (with a
store), the worst findings with their fix, what is missing.

Text from the database (query texts, names) is hostile here too: it goes into fenced code blocks
whose fence is longer than any backtick run inside, or is escaped so it cannot open a link, an
image, an HTML tag or a table cell.
"""

from __future__ import annotations

import re

from pgdiag.core.findings import Finding
from pgdiag.core.report import Report
from pgdiag.core.visible import visible
from pgdiag.history.compare import Comparison
from pgdiag.render.changes import (
    LISTED,
    basis_notes,
    changes_line,
    one_line,
    plan_change_line,
    signed_bytes,
)
from pgdiag.render.health_facts import health_facts

TOP_FINDINGS = 10
TABLE_ROWS = 25
STATEMENT_CHARS = 2000
MARKDOWN_OBJECTS = 100  # objects of a grouped finding named in Markdown (a pull-request comment stays readable)
TABLE_GROWTH_ROWS = 5
# What can start markup mid-line: code, emphasis, links and images (through "["), table cells, strikethrough.
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def render_markdown(report: Report) -> str:
    """The report as GitHub-flavoured Markdown: a heading with the counts, a table, then the top findings.

    Control characters from the database are written out (``\\e`` for ESC): the document is read in
    terminals (``--markdown -``) and CI logs, where they would act."""
    return visible(_markdown(report))


def _markdown(report: Report) -> str:
    """The Markdown document, as it is built from the report."""
    target = report.snapshot.target
    counts = ", ".join(f"{n} {severity}" for severity, n in report.severity_counts().items() if n)
    lines = [f"## pgdiag: {escape(str(target.get('database')))}: {len(report.findings)} findings"
             + (f" ({counts})" if counts else ""),
             "",
             f"PostgreSQL {escape(str(target.get('server_version')))} · collected "
             f"{report.snapshot.collected_at:%Y-%m-%d %H:%M} UTC · {escape(health_facts(report.snapshot).text())}",
             ""]
    lines += _missing(report)
    if report.comparison is not None:
        lines += _changes(report.comparison)
    if not report.findings:
        lines.append("No findings.")
        return "\n".join(lines) + "\n"
    lines += ["| # | severity | check | finding |", "|---|---|---|---|"]
    for number, finding in enumerate(report.findings[:TABLE_ROWS], 1):
        lines.append(f"| {number} | **{finding.severity}** | `{finding.check}` | {escape(finding.title)} |")
    if len(report.findings) > TABLE_ROWS:
        lines.append(f"\n…and {len(report.findings) - TABLE_ROWS} more in the full report.")
    lines += ["", "### Top findings", ""]
    for number, finding in enumerate(report.findings[:TOP_FINDINGS], 1):
        lines += _finding(number, finding)
    return "\n".join(lines) + "\n"


def _changes(comparison: Comparison) -> list[str]:
    """What changed since the baseline snapshot: new and resolved findings, regressions, table growth."""
    lines = [f"### Since snapshot {comparison.baseline_id} ({comparison.baseline_collected_at:%Y-%m-%d %H:%M} UTC): "
             f"{changes_line(comparison)}", ""]
    notes = basis_notes(comparison)
    lines += [f"> {escape(note)}" for note in notes] + ([""] if notes else [])
    for heading, findings in (("New findings", comparison.new), ("Resolved findings", comparison.resolved)):
        if findings:
            lines += [f"**{heading}** ({len(findings)})", ""]
            lines += [f"- **{f.severity}** `{f.check}` {escape(f.title)}" for f in findings[:LISTED]]
            lines += [f"- …and {len(findings) - LISTED} more"] if len(findings) > LISTED else []
            lines.append("")
    if comparison.regressions:
        lines += [f"**Regressions** ({len(comparison.regressions)}): slower per call than before the baseline", ""]
        for regression in comparison.regressions[:LISTED]:
            d = regression.delta
            lines.append(f"- {d.mean_ms_before or 0:,.2f} → {d.mean_ms_after:,.2f} ms per call "
                         f"(+{regression.change_percent:,.0f} %) over {d.calls_delta:,} calls, "
                         f"+{regression.added_ms / 1000:,.1f} s: {escape(one_line(d.text or ''))}")
        lines.append("")
    if comparison.plan_changes:
        lines += [f"**Plan changes** ({len(comparison.plan_changes)}): the generic plan changed shape", ""]
        lines += [f"- {plan_change_line(change)}" for change in comparison.plan_changes[:LISTED]]
        lines.append("")
    if comparison.tables:
        lines += ["**Table growth**", ""]
        lines += [f"- {escape(t.schema)}.{escape(t.table)}: {signed_bytes(t.bytes_delta)}"
                  for t in comparison.tables[:TABLE_GROWTH_ROWS]]
        lines.append("")
    return lines


def _missing(report: Report) -> list[str]:
    """One bullet per collector that did not run and per check that could not run, with how to fix it, and the
    tenant column used (or how to set one)."""
    bullets = [f"- collector `{s.name}` {s.status}: {escape(s.message or '')}"
               for s in report.snapshot.collectors if s.status != "ok"]
    bullets += [f"- check `{check}` not run: {escape(reason)}" for check, reason in report.not_run.items()]
    if report.tenancy is not None:
        bullets.append(f"- tenancy: {escape(report.tenancy.describe())}")
    bullets += [f"- check `{check}` ran only in part: {escape(reason)}" for check, reason in report.partial.items()]
    return bullets + [""] if bullets else []


def _finding(number: int, finding: Finding) -> list[str]:
    """A finding's heading, recommendation, fix and statement."""
    lines = [f"#### {number}. {escape(finding.title)} ({finding.severity})", "", escape(finding.recommendation), ""]
    if finding.objects:
        lines += [f"On {escape(finding.objects_summary(limit=MARKDOWN_OBJECTS) or '')}", ""]
    if finding.prisma_fix:
        lines += ["In schema.prisma:", "", *fenced(finding.prisma_fix, "prisma"), ""]
    if finding.fix_sql:
        lines += [*fenced(finding.fix_sql, "sql"), ""]
    if finding.query is not None:
        text = finding.query.text
        if len(text) > STATEMENT_CHARS:
            text = text[:STATEMENT_CHARS] + " …"
        lines += ["<details><summary>statement</summary>", "", *fenced(text, "sql"), "", "</details>", ""]
    return lines


def fenced(text: str, language: str) -> list[str]:
    """`text` as a fenced code block that nothing inside it can close.

    >>> fenced("SELECT '```'", "sql")
    ['````sql', "SELECT '```'", '````']
    """
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", text, fence]


def escape(text: str) -> str:
    """`text` as literal Markdown on one line: punctuation escaped, ``<`` and ``&`` as entities.

    >>> print(escape('<img src=x onerror=alert(1)> | ![a](b) *c*'))
    &lt;img src=x onerror=alert(1)&gt; \\| !\\[a\\](b) \\*c\\*
    """
    text = " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)
