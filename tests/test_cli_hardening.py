"""The command line under hostile input: --html to stdout, pgdiag.toml numbers that are not limits, -q with
--all, paths that are not files, and help texts whose square brackets rich would take for markup."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import typer

from pgdiag.cli.commands import app
from pgdiag.cli.scan_all import scan_all
from pgdiag.collect import CollectOptions
from pgdiag.config.loader import load
from pgdiag.db.session import SessionLimits
from tests.cli_helpers import assert_one_line_error, invoke
from tests.pg import TestDatabase

UNREACHABLE = "host=/nonexistent"


# --html - --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["scan", "-d", UNREACHABLE, "--html", "-"],
    ["scan", "--all", "--html", "-"],
    ["report", "--store", "/nonexistent/h.sqlite3", "--html", "-"],
    ["explain", "-d", UNREACHABLE, "--json", "-", "--html", "-", "SELECT 1"],
    ["demo", "--html", "-"],
], ids=["scan", "scan-all", "report", "explain", "demo"])
def test_html_to_stdout_is_refused_before_any_work(capsys, argv: list[str]) -> None:
    """The error is the option, not the unreachable server or missing store: nothing was tried, nothing
    written to stdout."""
    outcome = invoke(capsys, *argv)
    assert_one_line_error(outcome, "--html needs a file path")
    assert outcome.out == ""


# pgdiag.toml numbers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("content, fragment", [
    ("[compare]\nregression_percent = nan", "compare.regression_percent must be a positive number, got nan"),
    ("[compare]\nregression_min_added_ms = inf", "compare.regression_min_added_ms must be a positive number"),
    ("[checks.slow_query]\nmean_ms = nan", "checks.slow_query.mean_ms must be a finite number"),
    ("[checks.slow_query]\nmin_total_ms = -inf", "checks.slow_query.min_total_ms must be a finite number"),
    ("[checks.slow_query]\nmean_ms = -5", "checks.slow_query.mean_ms must not be negative"),
    ("[checks.table_bloat]\nmin_dead_rows = -1", "must not be negative"),
    ("[checks.sequence_exhaustion]\nused_percent = 1e308", "is a percentage: at most 100"),
    ("[checks.missing_index]\nmin_factor = 0", "checks.missing_index.min_factor must be greater than 1"),
    ("[checks.missing_index]\nmin_factor = 1", "must be greater than 1"),
    ("[checks.vacuum_overdue]\nmax_age_days = 1e308", "is a number of days: at most 36500"),
    ("[checks.soft_delete_unfiltered]\ncolumns = [1, 2]", "must be a list of names"),
    ("[[targets]]\nname = \"a\"\ndsn = \"dbname=a\"\n[targets.checks.slow_query]\nmean_ms = nan",
     "checks.slow_query.mean_ms must be a finite number"),
], ids=["compare-nan", "compare-inf", "nan", "minus-inf", "negative", "negative-int", "percent", "factor-0",
        "factor-1", "days", "list", "target-nan"])
def test_numbers_that_are_no_limit_are_config_errors(capsys, tmp_path: Path, content: str, fragment: str) -> None:
    config = tmp_path / "pgdiag.toml"
    config.write_text(content + "\n", encoding="utf-8")
    assert_one_line_error(invoke(capsys, "scan", "-d", UNREACHABLE, "--config", str(config)),
                          f"invalid config file {config}", fragment)


def test_zero_and_large_finite_limits_are_accepted(tmp_path: Path) -> None:
    """Zero lets every object pass one criterion of a check that has others; a large number never fires."""
    config = tmp_path / "pgdiag.toml"
    config.write_text("[checks.table_bloat]\ndead_percent = 0\nmin_dead_rows = 0\n"
                      "[checks.slow_query]\nmean_ms = 1e308\nshare_percent = 100\n"
                      "[checks.missing_index]\nmin_factor = 1.5\n"
                      "[compare]\nregression_percent = 1e6\n", encoding="utf-8")
    loaded = load(config)
    assert loaded.checks["table_bloat"] == {"dead_percent": 0, "min_dead_rows": 0}
    assert loaded.compare == {"regression_percent": 1e6}


# scan --all -q --------------------------------------------------------------------------------------------

def targets_config(path: Path, db: TestDatabase) -> Path:
    path.write_text(f'[[targets]]\nname = "only"\ndsn = "{db.dsn}"\n', encoding="utf-8")
    return path


def test_scan_all_quiet_prints_no_table(capsys, db: TestDatabase, tmp_path: Path) -> None:
    config = load(targets_config(tmp_path / "pgdiag.toml", db))
    code = scan_all(config, dsn=None, json_dir=None, html_dir=None, store=None, keep=None, notify_url=None,
                    fail_on=None, limits=SessionLimits(), options=CollectOptions(), jobs=1, quiet=True)
    captured = capsys.readouterr()
    assert code == 0 and captured.out == "" and captured.err == ""


def test_scan_all_with_q_prints_nothing_but_errors(capsys, db: TestDatabase, tmp_path: Path) -> None:
    """Needs ``pgdiag scan`` to hand its --quiet to `scan_all` (pgdiag/cli/scan.py)."""
    config = targets_config(tmp_path / "pgdiag.toml", db)
    outcome = invoke(capsys, "scan", "--all", "-q", "--config", str(config))
    assert outcome.code == 0, outcome.err
    assert outcome.out == "" and outcome.err == ""
    assert "only" in invoke(capsys, "scan", "--all", "--config", str(config)).out


# lint-migrations on what is not a file ----------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda tmp: Path("/dev/zero"), lambda tmp: Path("/dev/null"),
                                  lambda tmp: (os.mkfifo(tmp / "fifo"), tmp / "fifo")[1]],
                         ids=["dev-zero", "dev-null", "fifo"])
def test_lint_migrations_names_what_is_not_a_regular_file(capsys, tmp_path: Path, make) -> None:
    path = make(tmp_path)
    assert_one_line_error(invoke(capsys, "lint-migrations", str(path)), f"{path}: not a regular file or directory")


# --help keeps square brackets -------------------------------------------------------------------------

BRACKETED = re.compile(r"\\?\[[^\]]*\]")


def flatten(text: str) -> str:
    """Help text without rich's box drawing, on one line."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def help_texts(command) -> list[str]:
    return [command.help or ""] + [getattr(param, "help", None) or "" for param in command.params]


COMMANDS = sorted(typer.main.get_command(app).commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_help_keeps_bracketed_words(capsys, monkeypatch, name: str) -> None:
    """Every ``[…]`` written in a command's help texts reaches its --help: rich takes ``[word]`` for markup
    and drops it unless escaped (``\\[word]``)."""
    monkeypatch.setenv("COLUMNS", "400")
    command = typer.main.get_command(app).commands[name]
    expected = [flatten(match.removeprefix("\\")) for text in help_texts(command)
                for match in BRACKETED.findall(text)]
    outcome = invoke(capsys, name, "--help")
    assert outcome.code == 0, outcome.err
    shown = flatten(outcome.out)
    assert [word for word in expected if word not in shown] == []


def test_report_help_names_the_compare_section(capsys, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    assert "pgdiag.toml ([compare] thresholds)." in flatten(invoke(capsys, "report", "--help").out)
