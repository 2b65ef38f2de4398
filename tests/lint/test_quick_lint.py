"""``lint-migrations`` read without typer (`pgdiag.cli.quick_lint`) is the command typer declares: the same
options, and on the same command lines the same output, files and exit codes. Anything the quick reader does
not take goes through typer. Pure parsing: no database.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import typer

from pgdiag.cli import quick_lint, run
from pgdiag.cli.commands import app
from pgdiag.core.findings import SEVERITIES
from tests.cli_helpers import Outcome

MIGRATIONS = {
    "20240101000000_init/migration.sql": 'CREATE TABLE "User" ("id" SERIAL PRIMARY KEY, "email" TEXT);\n',
    "20240202000000_index/migration.sql": '-- CreateIndex\nCREATE INDEX "User_email_idx" ON "User"("email");\n'
                                          'ALTER TABLE "User" ADD COLUMN "age" INTEGER NOT NULL;\n',
}


@pytest.fixture
def migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Prisma migrations folder with a high and a medium finding, the working directory beside it."""
    root = tmp_path / "migrations"
    for name, sql in MIGRATIONS.items():
        (root / name).parent.mkdir(parents=True)
        (root / name).write_text(sql, encoding="utf-8")
    (tmp_path / "broken.sql").write_text("CREATE TABLE;\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return root


def test_the_quick_reader_takes_the_options_typer_declares() -> None:
    """Adding or renaming an option of the typer command fails here until `quick_lint` reads it too."""
    command = typer.main.get_command(app).commands[quick_lint.COMMAND]
    options = {name: param for param in command.params if isinstance(param, typer.core.TyperOption)
               for name in param.opts + param.secondary_opts}
    assert {flag: param.name for flag, param in options.items()} == quick_lint.OPTIONS
    assert all(param.nargs == 1 and not param.multiple and not param.is_flag and param.envvar is None
               for param in options.values())
    fail_on = options["--fail-on"].type
    assert tuple(fail_on.choices) == SEVERITIES and not fail_on.case_sensitive
    [paths] = [param for param in command.params if isinstance(param, typer.core.TyperArgument)]
    assert paths.name == "paths" and paths.nargs == -1 and paths.required


def test_the_quick_reader_reads_plain_command_lines() -> None:
    read = quick_lint.arguments(["lint-migrations", "a", "--json", "-", "b", "--fail-on=Medium"])
    assert read == quick_lint.LintArguments(paths=[Path("a"), Path("b")], json_out="-", fail_on="medium")
    assert quick_lint.arguments(["lint-migrations", "a"]) == quick_lint.LintArguments([Path("a")], None, None)


@pytest.mark.parametrize("argv", [
    [], ["--help"], ["checks"], ["lint-migrations"], ["lint-migrations", "--help"], ["lint-migrations", "a", "-h"],
    ["lint-migrations", "a", "--json"], ["lint-migrations", "a", "--json", "--fail-on", "high"],
    ["lint-migrations", "a", "--json="], ["lint-migrations", "a", "--json", "x", "--json", "y"],
    ["lint-migrations", "a", "--fail-on", "severe"], ["lint-migrations", "a", "--fail-on", "HİGH"],
    ["lint-migrations", "a", "--jso", "-"], ["lint-migrations", "a", "--", "b"], ["lint-migrations", "-"],
    ["lint-migrations", ""], ["lint-migrations", "a\x00b"],
], ids=repr)
def test_anything_else_is_left_to_typer(argv: list[str]) -> None:
    assert quick_lint.arguments(argv) is None


def outcome(capsys: pytest.CaptureFixture[str], argv: list[str], quick: bool) -> tuple[Outcome, str | None]:
    """What one path printed and returned, and the JSON file it wrote (then removed), if any."""
    capsys.readouterr()
    code = run(argv, quick=quick)
    captured = capsys.readouterr()
    written = Path("out.json")
    text = written.read_text(encoding="utf-8") if written.exists() else None
    if written.exists():
        os.remove(written)
    return Outcome(code, captured.out, captured.err), text


@pytest.mark.parametrize("argv, code", [
    (["migrations", "--json", "-"], 0),
    (["migrations", "--json=-", "--fail-on", "HIGH"], 1),
    (["--fail-on=critical", "migrations", "--json", "-"], 0),
    (["migrations", "--fail-on", "medium"], 1),  # the terminal listing
    (["migrations/20240202000000_index/migration.sql", "migrations", "--json", "out.json"], 0),
    (["migrations", "missing", "--json", "-"], 2),
    (["broken.sql", "--json", "-"], 2),
    (["/dev/null", "--json", "-"], 2),
    (["migrations", "--json", "nowhere/out.json"], 2),
], ids=["json", "fail-on-high", "fail-on-critical", "terminal", "json-file", "missing-path", "syntax-error",
        "not-a-file", "unwritable-json"])
def test_both_paths_give_the_same_output_and_exit_code(migrations: Path, capsys: pytest.CaptureFixture[str],
                                                       argv: list[str], code: int) -> None:
    argv = ["lint-migrations", *argv]
    assert quick_lint.arguments(argv) is not None
    quick, quick_file = outcome(capsys, argv, quick=True)
    typed, typed_file = outcome(capsys, argv, quick=False)
    assert (quick.code, quick.out, quick.err, quick_file) == (typed.code, typed.out, typed.err, typed_file)
    assert quick.code == code, quick.err
    assert (quick.out or quick_file or quick.err) and ("pgdiag: error: " in quick.err) == (code == 2)
