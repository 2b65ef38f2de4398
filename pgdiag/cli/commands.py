"""The typer app: wires one module per command (`pgdiag.cli.run` runs it and reports its failures)."""

from __future__ import annotations

from typing import Annotated

import typer

from pgdiag.cli import (
    checks,
    demo,
    doctor,
    explain,
    history,
    lint_migrations,
    report,
    scan,
)

app = typer.Typer(
    name="pgdiag",
    help="PostgreSQL performance diagnostics: what is slow, what is missing, what leaks across tenants.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(wanted: bool) -> None:
    """``--version``: print the program's name and version and stop."""
    if wanted:
        from pgdiag import __version__

        typer.echo(f"pgdiag {__version__}")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True, help="Print pgdiag's version and exit.")] = False) -> None:
    """PostgreSQL performance diagnostics: what is slow, what is missing, what leaks across tenants."""


app.command("scan")(scan.scan)
app.command("explain")(explain.explain)
app.command("doctor")(doctor.doctor)
app.command("checks")(checks.checks)
app.command("demo")(demo.demo)
app.command("history")(history.history)
app.command("report")(report.report)
app.command("lint-migrations")(lint_migrations.lint_migrations)
