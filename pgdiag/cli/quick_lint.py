"""``pgdiag lint-migrations`` read without typer, for the command lines CI writes: it then starts without
typer and click (typer 0.29 also coerces every option through pydantic), and without rich when the JSON
goes to stdout: 0.04–0.2 s of a run on one migration (docs/performance.md, "Lint start-up").

Only plain command lines are read here: paths, ``--json PATH|-`` and ``--fail-on SEVERITY`` (any case), each
option at most once, as ``--option value`` or ``--option=value``. Anything else (``--help``, another or a
repeated option, a missing or empty value, no path, a path that starts with ``-``) is left to typer, which
gives its help and its usage errors. tests/lint/test_quick_lint.py keeps the options here equal to those of
`pgdiag.cli.lint_migrations` and both paths' output and exit codes the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

COMMAND = "lint-migrations"
OPTIONS = {"--json": "json_out", "--fail-on": "fail_on"}
"""The command's options, by flag, with the name of the value they set."""


@dataclass(frozen=True)
class LintArguments:
    """What the command line asks of ``lint-migrations``: the paths in order, where the JSON goes (a path,
    ``-`` for stdout, None for none) and the severity that fails the run (lower case, None for none)."""

    paths: list[Path]
    json_out: str | None
    fail_on: str | None


def arguments(argv: list[str]) -> LintArguments | None:
    """The arguments of a plain ``lint-migrations`` command line, None for any other command line.

    >>> arguments(["lint-migrations", "migrations", "--json=-", "--fail-on", "HIGH"])
    LintArguments(paths=[PosixPath('migrations')], json_out='-', fail_on='high')
    >>> arguments(["lint-migrations", "migrations", "--help"]) is None
    True
    """
    if not argv or argv[0] != COMMAND:
        return None
    paths: list[Path] = []
    values: dict[str, str] = {}
    tokens = iter(argv[1:])
    for token in tokens:
        if "\x00" in token or not token:
            return None
        if not token.startswith("-"):
            paths.append(Path(token))
            continue
        flag, equals, value = token.partition("=")
        name = OPTIONS.get(flag)
        if name is None or name in values:
            return None
        if not equals:
            value = next(tokens, "")
            if value.startswith("-") and value != "-":
                return None
        if not value or "\x00" in value:
            return None
        values[name] = value
    fail_on = values.get("fail_on")
    if fail_on is not None:
        from pgdiag.core.findings import SEVERITIES  # here: every command line passes through this module


        if not fail_on.isascii() or fail_on.lower() not in SEVERITIES:
            return None
        fail_on = fail_on.lower()
    if not paths:
        return None
    return LintArguments(paths=paths, json_out=values.get("json_out"), fail_on=fail_on)
