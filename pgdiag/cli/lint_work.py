"""What ``pgdiag lint-migrations`` does once its options are read, by typer (`pgdiag.cli.lint_migrations`)
or without it (`pgdiag.cli.quick_lint`): both run this, so both give the same output and exit code."""

from __future__ import annotations

from pathlib import Path

from pgdiag.cli.memory import cyclic_gc_paused
from pgdiag.core.errors import EXIT_FINDINGS, EXIT_OK, ConfigError


def lint_migrations(paths: list[Path], json_out: str | None, fail_on: str | None) -> int:
    """Lint `paths`, write the JSON document to `json_out` (``-``: stdout) and the listing to the terminal
    unless the JSON went there; the exit code is 1 when a finding is at or above `fail_on`, else 0."""
    from pgdiag.core.findings import at_or_above
    from pgdiag.lint import lint_paths
    from pgdiag.render import ensure_writable, write_output
    from pgdiag.render.lint_output import render_lint_json

    if json_out and json_out != "-":  # before any work: an output that cannot be written is a one-line error
        ensure_writable(json_out)
    _check_paths(paths)
    # The parse trees are many small objects kept to the end: the cyclic collector would walk them again and
    # again (0.02 s on 434 migrations) and find no cycle to free.
    with cyclic_gc_paused():
        result = lint_paths(paths)
        if json_out:
            write_output(json_out, render_lint_json(result))
        if json_out != "-":
            from pgdiag.render.lint_output import print_lint

            print_lint(result)
    if fail_on and any(at_or_above(f.severity, fail_on) for f in result.findings):
        return EXIT_FINDINGS
    return EXIT_OK


def _check_paths(paths: list[Path]) -> None:
    """A path that exists but is neither a regular file nor a directory (``/dev/null``, a FIFO) is a one-line
    error that says so, rather than "no such file or directory" or a read that never ends."""
    for path in paths:
        if path.exists() and not path.is_file() and not path.is_dir():
            raise ConfigError(f"{path}: not a regular file or directory")
