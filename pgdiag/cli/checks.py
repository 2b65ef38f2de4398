"""``pgdiag checks [ID]``: list the check catalogue, the plan insights and the migration rules, or print one's
documentation."""

from __future__ import annotations

from typing import Annotated, Optional

import typer


def checks(check_id: Annotated[Optional[str], typer.Argument(help="Print this check's documentation.",
                                                            show_default=False)] = None) -> None:
    """List every check, or show the documentation of one."""
    from pgdiag.render.console import console as safe_console
    from rich.table import Table

    from pgdiag.checks import registry
    from pgdiag.core.errors import PgdiagError
    from pgdiag.explain.insights import registry as plan_insights
    from pgdiag.lint.rules import registry as migration_rules
    from pgdiag.render.check_docs import inline_text, page_text

    catalogue, insights, rules = registry(), plan_insights(), migration_rules()
    console = safe_console()
    if check_id is not None:
        documented = catalogue.get(check_id) or insights.get(check_id) or rules.get(check_id)
        if documented is None:
            raise PgdiagError(f"unknown check {check_id!r}; `pgdiag checks` lists them")
        console.print(f"[bold]{check_id}[/bold]\n", markup=True)
        for style, line in page_text(documented.documentation()):
            console.print(line, style=style or None, markup=False, highlight=False)
        return
    table = Table("check", "what it finds", box=None)
    for cid, check_class in catalogue.items():
        table.add_row(cid, inline_text(check_class.summary()))
    console.print(table)
    insight_table = Table("plan insight (pgdiag explain)", "what it finds", box=None)
    for iid, insight_class in insights.items():
        insight_table.add_row(iid, insight_class.summary())
    console.print(insight_table)
    rule_table = Table("migration rule (pgdiag lint-migrations)", "what it flags", box=None)
    for rid, rule_class in rules.items():
        rule_table.add_row(rid, inline_text(rule_class.summary()))
    console.print(rule_table)
