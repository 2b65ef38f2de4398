"""``pgdiag lint-migrations PATH…``: flag migration statements that lock or rewrite tables in use."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from pgdiag.cli.options import Severity
from pgdiag.cli.output import JsonOption, check_destinations


def lint_migrations(
    paths: Annotated[list[Path], typer.Argument(
        help="Migration files or directories (Prisma's prisma/migrations, or folders of .sql files).",
        metavar="PATH…", show_default=False)],
    json_out: JsonOption = None,
    fail_on: Annotated[Optional[Severity], typer.Option(
        "--fail-on", help="Exit 1 when any finding is at or above this severity.", case_sensitive=False)] = None,
) -> None:
    """Lint migrations for statements that block or break production (no database needed)."""
    from pgdiag.core.findings import at_or_above
    from pgdiag.lint import lint_paths
    from pgdiag.render.lint_output import print_lint, render_lint_json
    from pgdiag.render import write_output

    check_destinations(json_out)
    _check_paths(paths)
    result = lint_paths(paths)
    if json_out:
        write_output(json_out, render_lint_json(result))
    if json_out != "-":
        print_lint(result)
    if fail_on and any(at_or_above(f.severity, fail_on.value) for f in result.findings):
        raise typer.Exit(1)


def _check_paths(paths: list[Path]) -> None:
    """A path that exists but is neither a regular file nor a directory (``/dev/null``, a FIFO) is a one-line
    error that says so, rather than "no such file or directory" or a read that never ends."""
    from pgdiag.core.errors import ConfigError

    for path in paths:
        if path.exists() and not path.is_file() and not path.is_dir():
            raise ConfigError(f"{path}: not a regular file or directory")
