"""Markdown for pull-request comments and chat: the summary, the worst findings with their fix, what is missing.

Text from the database (query texts, names) is hostile here too: it goes into fenced code blocks
whose fence is longer than any backtick run inside, or is escaped so it cannot open a link, an
image, an HTML tag or a table cell.
"""

from __future__ import annotations

import re

from pgdiag.findings import Finding
from pgdiag.report import Report

TOP_FINDINGS = 10
TABLE_ROWS = 25
STATEMENT_CHARS = 2000
# What can start markup mid-line: code, emphasis, links and images (through "["), table cells, strikethrough.
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def render_markdown(report: Report) -> str:
    """The report as GitHub-flavoured Markdown: a heading with the counts, a table, then the top findings."""
    target = report.snapshot.target
    counts = ", ".join(f"{n} {severity}" for severity, n in report.severity_counts().items() if n)
    lines = [f"## pgdiag: {escape(str(target.get('database')))}: {len(report.findings)} findings"
             + (f" ({counts})" if counts else ""),
             "",
             f"PostgreSQL {escape(str(target.get('server_version')))} · collected "
             f"{report.snapshot.collected_at:%Y-%m-%d %H:%M} UTC",
             ""]
    lines += _missing(report)
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


def _missing(report: Report) -> list[str]:
    """One bullet per collector that did not run and per check that could not run, with how to fix it."""
    bullets = [f"- collector `{s.name}` {s.status}: {escape(s.message or '')}"
               for s in report.snapshot.collectors if s.status != "ok"]
    bullets += [f"- check `{check}` not run: {escape(reason)}" for check, reason in report.not_run.items()]
    return bullets + [""] if bullets else []


def _finding(number: int, finding: Finding) -> list[str]:
    """A finding's heading, recommendation, fix and statement."""
    lines = [f"#### {number}. {escape(finding.title)} ({finding.severity})", "", escape(finding.recommendation), ""]
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
