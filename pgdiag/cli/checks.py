"""``pgdiag checks [ID]``: list the check catalogue, or print one check's documentation."""

from __future__ import annotations

from typing import Annotated, Optional

import typer


def checks(check_id: Annotated[Optional[str], typer.Argument(help="Print this check's documentation.",
                                                            show_default=False)] = None) -> None:
    """List every check, or show the documentation of one."""
    from rich.console import Console
    from rich.table import Table

    from pgdiag.checks import registry
    from pgdiag.errors import PgdiagError

    catalogue = registry()
    console = Console()
    if check_id is not None:
        if check_id not in catalogue:
            raise PgdiagError(f"unknown check {check_id!r}; `pgdiag checks` lists them")
        console.print(f"[bold]{check_id}[/bold]\n", markup=True)
        console.print(catalogue[check_id].documentation(), markup=False, highlight=False)
        return
    table = Table("check", "what it finds", box=None)
    for cid, check_class in catalogue.items():
        table.add_row(cid, check_class.summary())
    console.print(table)
