"""Hostile input (issue 14, item 7): every case is exit 2 with one line on stderr — never exit 3, never a
signal. Cases that crashed the process itself run in a real subprocess, so a segfault fails the test
instead of killing the suite."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pgdiag.core.parse_guard import MAX_DEPTH, TooComplex, parse_sql
from pgdiag.sql import analyze
from tests.cli_helpers import assert_one_line_error, invoke
from tests.pg import TestDatabase, hypopg_available

DEEP = "SELECT " + " + ".join(["1"] * 60_000)


def _pgdiag(*argv: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run pgdiag in its own process and return what it did."""
    return subprocess.run([sys.executable, "-m", "pgdiag", *argv], capture_output=True, text=True,
                          timeout=300, input=stdin)


def _one_line_exit_2(result: subprocess.CompletedProcess, fragment: str = "") -> None:
    assert result.returncode == 2, (result.returncode, result.stderr[-500:])
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pgdiag: error: ") and fragment in lines[0], result.stderr


@pytest.mark.parametrize("option, value", [
    ("--statement-timeout", "inf"), ("--statement-timeout", "1e308"), ("--statement-timeout", "nan"),
    ("--statement-timeout", "-inf"), ("--statement-timeout", "0"), ("--statement-timeout", "86401"),
    ("--lock-timeout", "inf"), ("--lock-timeout", "1e308"), ("--lock-timeout", "-1"),
    ("--connect-timeout", "99999999999999999999"), ("--connect-timeout", "0"),
])
@pytest.mark.parametrize("command", ["scan", "explain", "doctor"])
def test_timeouts_are_bounded(capsys, db: TestDatabase, command: str, option: str, value: str) -> None:
    argv = [command, "-d", db.dsn, option, value] + (["SELECT 1"] if command == "explain" else [])
    assert_one_line_error(invoke(capsys, *argv), option)


def test_a_day_is_accepted(capsys, db: TestDatabase) -> None:
    outcome = invoke(capsys, "doctor", "-d", db.dsn, "--statement-timeout", "86400", "--lock-timeout", "0.0005")
    assert outcome.code in (0, 1), outcome.err


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_deep_config_is_exit_2(tmp_path: Path, depth: int) -> None:
    config = tmp_path / "pgdiag.toml"
    config.write_text("x = " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    _one_line_exit_2(_pgdiag("scan", "-d", "host=/nonexistent", "--config", str(config)), "nested")


def test_deep_table_nesting_in_config_is_exit_2(capsys, tmp_path: Path) -> None:
    config = tmp_path / "pgdiag.toml"
    config.write_text("[checks.slow_query]\nx = " + "{a = " * 40 + "1" + "}" * 40 + "\n", encoding="utf-8")
    assert_one_line_error(invoke(capsys, "scan", "-d", "host=/nonexistent", "--config", str(config)), "nested")


def test_deep_statement_in_explain_is_refused(db: TestDatabase, tmp_path: Path) -> None:
    sql = tmp_path / "deep.sql"
    sql.write_text(DEEP, encoding="utf-8")
    _one_line_exit_2(_pgdiag("explain", "-d", db.dsn, "-f", str(sql)), "nested too deeply")
    _one_line_exit_2(_pgdiag("explain", "-d", db.dsn, "-", stdin=DEEP), "nested too deeply")


def test_deep_statement_in_migration_is_refused(tmp_path: Path) -> None:
    (tmp_path / "001_deep.sql").write_text("CREATE TABLE a (id int);\n" + DEEP + ";\n", encoding="utf-8")
    _one_line_exit_2(_pgdiag("lint-migrations", str(tmp_path)), "nested too deeply")


def test_long_but_shallow_statement_still_explains(capsys, db: TestDatabase) -> None:
    """The guard refuses depth, not size: a 20,000-value IN list is a list."""
    statement = "SELECT 1 WHERE 1 IN (" + ", ".join(str(i) for i in range(20_000)) + ")"
    outcome = invoke(capsys, "explain", "-d", db.dsn, "--json", "-", statement)
    assert outcome.code == 0, outcome.err


def test_what_the_server_runs_explains(capsys, db: TestDatabase) -> None:
    """A 4,000-term chain runs at the server's default max_stack_depth (2 MB): pgdiag explains it too."""
    statement = "SELECT " + " + ".join(["1"] * 4000)
    outcome = invoke(capsys, "explain", "-d", db.dsn, "--json", "-", statement)
    assert outcome.code == 0, outcome.err


def test_workload_parser_skips_deep_statement() -> None:
    """pg_stat_statements texts are parsed in the scan's own process: a deep one is unparsable, not a crash."""
    assert analyze(DEEP, ("public",)).kind == "unparsable"
    with pytest.raises(TooComplex):
        parse_sql(DEEP)


def test_deep_statement_in_pg_stat_statements_does_not_sink_the_scan(capsys, db: TestDatabase) -> None:
    terms = MAX_DEPTH + 2000
    with db.connect() as conn:
        conn.execute("SET max_stack_depth = '7MB'")
        conn.execute("SELECT " + " + ".join(["1"] * terms) + " AS deep_one")
        recorded = conn.execute("SELECT count(*) FROM pg_stat_statements WHERE query LIKE '%AS deep_one'").fetchone()
    assert recorded[0] == 1
    outcome = invoke(capsys, "scan", "-d", db.dsn, "--json", "-")
    assert outcome.code == 0, outcome.err


def test_nul_byte_in_explain_file_is_an_input_error(db: TestDatabase, tmp_path: Path) -> None:
    sql = tmp_path / "nul.sql"
    sql.write_bytes(b"SELECT 1 /* \x00 */; DROP TABLE important")
    result = _pgdiag("explain", "-d", db.dsn, "-f", str(sql))
    _one_line_exit_2(result, "NUL byte")
    assert "DROP" not in result.stdout + result.stderr


def test_nul_byte_on_standard_input_is_an_input_error(db: TestDatabase) -> None:
    _one_line_exit_2(_pgdiag("explain", "-d", db.dsn, "-", stdin="SELECT 1\x00SELECT 2"), "NUL byte")


def test_nul_byte_in_migration_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "001.sql").write_bytes(b"CREATE TABLE a (id int);\x00DROP TABLE b;")
    _one_line_exit_2(_pgdiag("lint-migrations", str(tmp_path)), "NUL byte")


def test_no_arguments_prints_the_help() -> None:
    result = _pgdiag()
    assert result.returncode == 2
    assert "Usage: pgdiag" in result.stdout and "scan" in result.stdout
    assert result.stderr.splitlines() == ["pgdiag: error: no command given (see 'pgdiag --help')"]


def test_snapshot_id_out_of_range(capsys, tmp_path: Path) -> None:
    outcome = invoke(capsys, "report", "--store", str(tmp_path / "h.sqlite3"), "--snapshot", "9" * 30)
    assert outcome.code == 2, outcome.err
    assert len(outcome.err.splitlines()) == 1


def test_forty_column_equality_in_explain(capsys, db: TestDatabase) -> None:
    """hypopg (like PostgreSQL) takes at most 32 index columns: the fix is skipped with a note."""
    columns = [f"c{i}" for i in range(40)]
    db.execute("DROP TABLE IF EXISTS wide", f"CREATE TABLE wide ({', '.join(c + ' int' for c in columns)})",
               f"INSERT INTO wide SELECT {', '.join('g % 7' for _ in columns)} FROM generate_series(1, 5000) g",
               "ANALYZE wide")
    if hypopg_available(db):
        db.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
    statement = f"SELECT * FROM wide WHERE {' AND '.join(c + ' = 1' for c in columns)}"
    outcome = invoke(capsys, "explain", "-d", db.dsn, "--json", "-", statement)
    assert outcome.code == 0, outcome.err
    assert "more than the 32 an index can hold" in outcome.out


def test_forty_column_equality_in_the_workload(capsys, db: TestDatabase) -> None:
    """The scan's what-if costing never asks hypopg for an index wider than 32 columns. A failing check
    raises in the tests (tests/conftest.py), so exit 0/1 means missing_index ran."""
    columns = [f"c{i}" for i in range(40)]
    db.execute("DROP TABLE IF EXISTS wide2", f"CREATE TABLE wide2 ({', '.join(c + ' int' for c in columns)})",
               f"INSERT INTO wide2 SELECT {', '.join('g % 7' for _ in columns)} FROM generate_series(1, 5000) g",
               "ANALYZE wide2")
    hypopg_available(db)
    statement = f"SELECT * FROM wide2 WHERE {' AND '.join(f'{c} = ${i}' for i, c in enumerate(columns, 1))}"
    db.replay(statement, [tuple(range(40))] * 60)
    outcome = invoke(capsys, "scan", "-d", db.dsn, "--json", "-")
    assert outcome.code in (0, 1), outcome.err
    statements = json.loads(outcome.out)["collectors"]
    assert any(c["name"] == "statements" and c["status"] == "ok" for c in statements)


def test_parse_is_safe_on_a_small_caller_stack() -> None:
    """A 9,000-term chain (under the depth limit) parsed from a thread with 512 kB of stack: pglast on that
    stack would overflow it; the guard parses in its own 64 MB worker. In a subprocess, so a crash shows."""
    probe = ("import threading; from pgdiag.core.parse_guard import parse_sql; out = []; "
             "threading.stack_size(512 * 1024); "
             "t = threading.Thread(target=lambda: out.append(len(parse_sql('SELECT ' + ' + '.join(['1'] * 9000))))); "
             "t.start(); t.join(); print(out)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "[1]", (result.returncode, result.stderr[-300:])
