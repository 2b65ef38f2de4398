"""``pgdiag lint-migrations`` output: the JSON document (docs/lint.schema.json) and the terminal listing.

rich is imported by the listing alone: ``--json -`` runs without it (docs/performance.md, "Lint start-up")."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pgdiag import __version__
from pgdiag.lint.runner import LintResult

if TYPE_CHECKING:
    from rich.console import Console


def lint_document(result: LintResult) -> dict[str, Any]:
    """The JSON document: ``tool``, ``target`` (the paths given and the files linted, in run order), ``findings``."""
    return {
        "tool": {"name": "pgdiag", "version": __version__},
        "target": {"paths": result.paths, "files": [f.display for f in result.files]},
        "findings": [f.to_dict() for f in result.findings],
    }


def render_lint_json(result: LintResult) -> str:
    """The document as indented JSON text."""
    return json.dumps(lint_document(result), indent=2) + "\n"


def print_lint(result: LintResult, console: Console | None = None) -> None:
    """One block per finding in file and line order, ``file:line`` first (as editors and CI logs link it), then
    the recipe and the fix."""
    from rich.markup import escape

    from pgdiag.render.console import console as safe_console
    from pgdiag.render.styles import SEVERITY_STYLES

    console = console or safe_console()
    count = len(result.files)
    console.print(f"[bold]pgdiag lint-migrations[/bold]: {count} file{'s' if count != 1 else ''}")
    if not result.findings:
        console.print("\n[green]No findings.[/green]")
        return
    order = {file.display: number for number, file in enumerate(result.files)}
    for finding in sorted(result.findings, key=lambda f: (order[f.location["file"]], f.location["line"])):
        where = f"{finding.location['file']}:{finding.location['line']}"
        console.print(f"\n{escape(where)}: [{SEVERITY_STYLES[finding.severity]}]{finding.severity}[/] "
                      f"{finding.check}: [bold]{escape(finding.title)}[/bold]")
        console.print(f"   {escape(finding.recommendation)}")
        if finding.fix_sql:
            for line in finding.fix_sql.splitlines():
                console.print(f"   [green]{escape(line)}[/green]")
    counts: dict[str, int] = {}
    for finding in result.findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    console.print(f"\n{len(result.findings)} findings: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
