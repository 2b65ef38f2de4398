"""``pgdiag lint-migrations PATH…``: flag migration statements that lock or rewrite tables in use."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from pgdiag.cli.options import Severity
from pgdiag.cli.output import JsonOption


def lint_migrations(
    paths: Annotated[list[Path], typer.Argument(
        help="Migration files or directories (Prisma's prisma/migrations, or folders of .sql files).",
        metavar="PATH…", show_default=False)],
    json_out: JsonOption = None,
    fail_on: Annotated[Optional[Severity], typer.Option(
        "--fail-on", help="Exit 1 when any finding is at or above this severity.", case_sensitive=False)] = None,
) -> None:
    """Lint migrations for statements that block or break production (no database needed)."""
    from pgdiag.cli.lint_work import lint_migrations as run_lint

    code = run_lint(paths, json_out, fail_on.value if fail_on else None)
    if code:
        raise typer.Exit(code)
