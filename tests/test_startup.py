"""The command line starts light: --help loads none of the analysis stack, and ``checks`` and
``lint-migrations`` load only what they use (issue 17).

Start-up time itself is measured in bench/scale.py (``pgdiag --help`` ≤ 0.3 s); this test guards the
cause of a slow start, an eager import, without timing anything.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("pandas", "numpy", "psycopg", "pglast", "jinja2", "pydantic")
"""pydantic: typer 0.29 coerces every option through it (+12 MB, +85 ms); pyproject pins typer below it."""
CLI_STACK = ("typer", "pydantic", "rich")
"""What typer brings: pydantic coerces its options, rich prints its help and errors."""


def test_help_imports_no_heavy_module() -> None:
    probe = ("import sys; from pgdiag.cli import run; code = run(['--help']); "
             f"print(code, sorted(m for m in {HEAVY!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "0 []", result.stdout[-500:]


@pytest.mark.parametrize("argv, allowed", [
    (["checks"], ("pglast",)),  # the migration rules' catalogue is listed beside the checks
    (["checks", "missing_index"], ("pglast",)),
    (["lint-migrations", "{migrations}"], ("pglast",)),  # the linter parses SQL; it needs no database
    (["lint-migrations", "{migrations}", "--json", "-"], ("pglast",)),
], ids=["checks", "checks-one", "lint-migrations", "lint-migrations-json"])
def test_commands_import_only_what_they_use(argv: list[str], allowed: tuple[str, ...], tmp_path: Path) -> None:
    """``checks`` lists the catalogue from the check classes and ``lint-migrations`` parses files: neither
    loads pandas, numpy, psycopg or Jinja."""
    migration = tmp_path / "20260101000000_init" / "migration.sql"
    migration.parent.mkdir()
    migration.write_text('-- CreateIndex\nCREATE INDEX "a_b_idx" ON "a" ("b");\n', encoding="utf-8")
    args = [arg.format(migrations=tmp_path) for arg in argv]
    probe = ("import sys; from pgdiag.cli import run; code = run(sys.argv[1:]); "
             f"print(code, sorted(m for m in {HEAVY!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True,
                            timeout=60)
    code, loaded = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert code == "0", result.stdout[-500:] + result.stderr[-500:]
    assert [m for m in ast.literal_eval(loaded) if m not in allowed] == [], result.stdout[-500:]


@pytest.mark.parametrize("argv, loaded", [
    (["lint-migrations", "{migrations}", "--json", "-"], []),
    (["lint-migrations", "{migrations}", "--fail-on", "HIGH", "--json={json}"], ["rich"]),  # the terminal listing
], ids=["json-to-stdout", "terminal"])
def test_lint_migrations_starts_without_typer(argv: list[str], loaded: list[str], tmp_path: Path) -> None:
    """A plain ``lint-migrations`` command line is read without typer (`pgdiag.cli.quick_lint`), so neither
    typer nor pydantic is imported, and rich only for the listing in the terminal (issue 17: typer's
    pydantic coercion and rich were 0.2 s of a 0.3 s run on one migration)."""
    migration = tmp_path / "20260101000000_init" / "migration.sql"
    migration.parent.mkdir()
    migration.write_text('-- CreateIndex\nCREATE INDEX "a_b_idx" ON "a" ("b");\n', encoding="utf-8")
    args = [arg.format(migrations=tmp_path, json=tmp_path / "out.json") for arg in argv]
    probe = ("import sys; from pgdiag.cli import run; code = run(sys.argv[1:]); "
             f"print(code, sorted(m for m in {CLI_STACK!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True,
                            timeout=60)
    code, modules = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert code == ("1" if "--fail-on" in argv else "0"), result.stdout[-500:] + result.stderr[-500:]
    assert ast.literal_eval(modules) == loaded, result.stdout[-500:]
