"""pgdiag explain never changes data: statements run read-only in a transaction that is rolled back, writes
need --allow-writes (and are rolled back too), a timeout falls back to plain EXPLAIN, bad input exits 2."""

from __future__ import annotations

import io
import json

import pytest

from tests.cli_helpers import assert_one_line_error, invoke
from tests.pg import PASSWORD, TestDatabase


@pytest.fixture(scope="module")
def accounts(db: TestDatabase) -> TestDatabase:
    """1,000 accounts, and a sequence."""
    db.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)",
               "INSERT INTO accounts SELECT g, g FROM generate_series(1, 1000) g",
               "CREATE SEQUENCE account_numbers",
               "ANALYZE accounts")
    return db


def count(db: TestDatabase) -> tuple[int, int]:
    """(rows, sum of balances) of accounts: what a write would change."""
    with db.connect() as conn:
        return conn.execute("SELECT count(*), sum(balance) FROM accounts").fetchone()


def explain_json(capsys, db: TestDatabase, *args: str) -> dict:
    """Run ``pgdiag explain … --json -`` and return the document (exit code 0 asserted)."""
    outcome = invoke(capsys, "explain", "-d", db.dsn, "--json", "-", *args)
    assert outcome.code == 0, outcome.err
    return json.loads(outcome.out)


def test_delete_without_allow_writes_exits_2(capsys, accounts: TestDatabase) -> None:
    before = count(accounts)
    outcome = invoke(capsys, "explain", "-d", accounts.dsn, "DELETE FROM accounts WHERE id > 10")
    assert_one_line_error(outcome, "--allow-writes", "DELETE")
    assert count(accounts) == before


@pytest.mark.parametrize("statement", [
    "WITH gone AS (DELETE FROM accounts WHERE id > 10 RETURNING id) SELECT count(*) FROM gone",
    "UPDATE accounts SET balance = 0",
    "INSERT INTO accounts SELECT g, 0 FROM generate_series(2000, 2100) g",
    "MERGE INTO accounts a USING (SELECT 5 AS id) s ON a.id = s.id WHEN MATCHED THEN DELETE",
])
def test_every_kind_of_write_needs_the_flag(capsys, accounts: TestDatabase, statement: str) -> None:
    if statement.startswith("MERGE"):
        with accounts.connect() as conn:
            if conn.info.server_version < 150000:
                pytest.skip("MERGE is PostgreSQL 15+")
    before = count(accounts)
    assert_one_line_error(invoke(capsys, "explain", "-d", accounts.dsn, statement), "--allow-writes")
    assert count(accounts) == before


def test_delete_with_allow_writes_is_shown_and_rolled_back(capsys, accounts: TestDatabase) -> None:
    """The plan is shown with actual figures, the output says it was rolled back, the rows are still there."""
    before = count(accounts)
    doc = explain_json(capsys, accounts, "--allow-writes", "DELETE FROM accounts WHERE id > 10")
    assert doc["analyzed"] is True and doc["rolled_back"] is True
    root = doc["plan"][0]["Plan"]
    assert root["Node Type"] == "ModifyTable" and root["Operation"] == "Delete"
    assert root["Plans"][0]["Actual Rows"] == 990
    assert any("rolled back" in note for note in doc["notes"])
    assert count(accounts) == before
    terminal = invoke(capsys, "explain", "-d", accounts.dsn, "--allow-writes", "UPDATE accounts SET balance = 0")
    assert terminal.code == 0, terminal.err
    assert "rolled back" in terminal.out and "Update on accounts" in " ".join(terminal.out.split())
    assert count(accounts) == before


def test_a_write_that_fails_half_way_is_rolled_back(capsys, accounts: TestDatabase) -> None:
    """Rows deleted before the error are restored: the ROLLBACK is sent whatever happens."""
    before = count(accounts)
    outcome = invoke(capsys, "explain", "-d", accounts.dsn, "--allow-writes",
                     "DELETE FROM accounts WHERE 1 / (id - 500) > 0")
    assert_one_line_error(outcome, "division by zero")
    assert count(accounts) == before


def test_writes_pglast_cannot_see_are_held_back_or_refused(capsys, accounts: TestDatabase) -> None:
    """nextval() writes: it is not on the allow-list, so the statement is planned only and the sequence stays
    where it was; FOR UPDATE is refused by the read-only transaction."""
    with accounts.connect() as conn:
        before = conn.execute("SELECT last_value, is_called FROM account_numbers").fetchone()
    doc = explain_json(capsys, accounts, "SELECT nextval('account_numbers')")
    assert doc["analyzed"] is False and any("pg_catalog.nextval" in note for note in doc["notes"])
    with accounts.connect() as conn:
        assert conn.execute("SELECT last_value, is_called FROM account_numbers").fetchone() == before
    outcome = invoke(capsys, "explain", "-d", accounts.dsn, "SELECT * FROM accounts WHERE id = 1 FOR UPDATE")
    assert_one_line_error(outcome, "read-only transaction")


def test_a_volatile_function_with_effects_beyond_the_transaction_is_planned_not_run(
        capsys, accounts: TestDatabase) -> None:
    """pg_terminate_backend ends another session whatever the rollback does: pgdiag plans the statement
    without running it and says why; the other session survives."""
    with accounts.connect() as victim:
        pid = victim.info.backend_pid
        doc = explain_json(capsys, accounts, f"SELECT pg_terminate_backend({pid}) FROM accounts WHERE id = 1")
        assert doc["analyzed"] is False and "Actual Rows" not in doc["plan"][0]["Plan"]
        [note] = [n for n in doc["notes"] if "not known to be free of side effects" in n]
        assert "pg_catalog.pg_terminate_backend" in note and "--allow-writes" in note
        assert victim.execute("SELECT 1").fetchone() == (1,)


def test_a_volatile_function_behind_a_view_is_found_too(capsys, accounts: TestDatabase) -> None:
    """The statement names only a view (of a view); the function that ends sessions is in its definition."""
    with accounts.connect() as victim:
        accounts.execute("CREATE OR REPLACE VIEW ender AS SELECT pg_terminate_backend(pid) AS ended "
                         f"FROM pg_stat_activity WHERE pid = {victim.info.backend_pid}",
                         "CREATE OR REPLACE VIEW ender_outer AS SELECT * FROM ender")
        doc = explain_json(capsys, accounts, "SELECT * FROM ender_outer")
        assert doc["analyzed"] is False
        assert any("pg_catalog.pg_terminate_backend" in note for note in doc["notes"])
        assert victim.execute("SELECT 1").fetchone() == (1,)


def test_user_functions_are_never_trusted_and_the_flag_runs_them(capsys, accounts: TestDatabase) -> None:
    """A user function is not on the allow-list whatever its label: a VOLATILE one is planned only, a STABLE one
    (which the planner may call itself) is not even planned; --allow-writes runs both. Harmless volatile
    built-ins (random) still run."""
    accounts.execute("CREATE OR REPLACE FUNCTION bonus(int) RETURNS int LANGUAGE plpgsql AS 'BEGIN RETURN $1 * 2; END'",
                     "CREATE OR REPLACE FUNCTION bonus_stable(int) RETURNS int LANGUAGE sql STABLE AS 'SELECT $1 * 2'")
    planned = explain_json(capsys, accounts, "SELECT public.bonus(balance) FROM accounts")
    assert planned["analyzed"] is False and any("public.bonus" in n for n in planned["notes"])
    ran = explain_json(capsys, accounts, "--allow-writes", "SELECT public.bonus(balance) FROM accounts")
    assert ran["analyzed"] is True
    refused = invoke(capsys, "explain", "-d", accounts.dsn, "SELECT bonus_stable(balance) FROM accounts")
    assert_one_line_error(refused, "public.bonus_stable", "--allow-writes")
    assert explain_json(capsys, accounts, "--allow-writes", "SELECT bonus_stable(balance) FROM accounts")["analyzed"]
    doc = explain_json(capsys, accounts, "SELECT random() FROM accounts")
    assert doc["analyzed"] is True and not any("side effects" in n for n in doc["notes"])


def test_no_analyze_plans_a_write_without_running_it(capsys, accounts: TestDatabase) -> None:
    before = count(accounts)
    doc = explain_json(capsys, accounts, "--no-analyze", "DELETE FROM accounts")
    assert doc["analyzed"] is False and "Actual Rows" not in doc["plan"][0]["Plan"]
    assert any("planned, not run" in note for note in doc["notes"])
    assert count(accounts) == before


def test_statement_timeout_falls_back_to_plain_explain(capsys, accounts: TestDatabase) -> None:
    outcome = invoke(capsys, "explain", "-d", accounts.dsn, "--statement-timeout", "0.3", "--json", "-",
                     "SELECT pg_sleep(5), id FROM accounts WHERE id = 1")
    assert outcome.code == 0, outcome.err
    doc = json.loads(outcome.out)
    assert doc["analyzed"] is False
    assert any("statement timeout (0.3 s)" in note and "--statement-timeout" in note for note in doc["notes"])
    terminal = invoke(capsys, "explain", "-d", accounts.dsn, "--statement-timeout", "0.3", "SELECT pg_sleep(5)")
    assert terminal.code == 0 and "statement timeout" in terminal.out


@pytest.mark.parametrize(("statement", "fragment"), [
    ("SELECT 1; SELECT 2", "2 statements"),
    ("SELECT 1; DELETE FROM accounts", "2 statements"),
    ("SELEC * FROM accounts", 'syntax error at or near "SELEC"'),
    ("SELECT * FROM no_such_table", 'relation "no_such_table" does not exist'),
    ("VACUUM accounts", "not Vacuum"),
    ("EXPLAIN SELECT 1", "without EXPLAIN"),
    ("   ", "empty"),
    ("/* only a comment */", "only comments"),
    ("SELECT * FROM accounts WHERE id = $1", None),
])
def test_bad_input_is_one_line(capsys, accounts: TestDatabase, statement: str, fragment: str | None) -> None:
    outcome = invoke(capsys, "explain", "-d", accounts.dsn, statement, "--params", "[]")
    assert_one_line_error(outcome, fragment or "--params gives 0 value(s)")


def test_statement_sources(capsys, accounts: TestDatabase, tmp_path, monkeypatch) -> None:
    """SQL as argument, from a file, from standard input; exactly one of them."""
    path = tmp_path / "q.sql"
    path.write_text("SELECT balance FROM accounts WHERE id = 3;\n", encoding="utf-8")
    assert explain_json(capsys, accounts, "-f", str(path))["query"]["text"].startswith("SELECT balance")
    monkeypatch.setattr("sys.stdin", open(path, encoding="utf-8"))
    assert explain_json(capsys, accounts, "-")["analyzed"] is True
    assert_one_line_error(invoke(capsys, "explain", "-d", accounts.dsn), "exactly one way")
    assert_one_line_error(invoke(capsys, "explain", "-d", accounts.dsn, "SELECT 1", "-f", str(path)), "exactly one way")
    assert_one_line_error(invoke(capsys, "explain", "-d", accounts.dsn, "-f", str(tmp_path / "missing.sql")),
                          "cannot read")


def test_queryid_generic_plan_and_params(capsys, accounts: TestDatabase) -> None:
    """A pg_stat_statements entry has $n parameters: its generic plan without values, EXPLAIN ANALYZE with them."""
    accounts.reset_statements()
    accounts.replay("SELECT balance FROM accounts WHERE id = $1 AND balance > $2", [("3", "0")] * 3)
    with accounts.connect() as conn:
        queryid = conn.execute("SELECT queryid::text FROM pg_stat_statements WHERE query LIKE "
                               "'SELECT balance FROM accounts WHERE id = $1%'").fetchone()[0]
    generic = explain_json(capsys, accounts, "--queryid", queryid)
    assert generic["query"]["queryid"] == queryid and generic["analyzed"] is False
    assert any("generic plan" in note for note in generic["notes"])
    assert "$1" in json.dumps(generic["plan"])
    valued = explain_json(capsys, accounts, "--queryid", queryid, "--params", '[3, "0"]')
    assert valued["analyzed"] is True and valued["query"]["params"] == ["3", "0"]
    assert valued["plan"][0]["Plan"]["Actual Rows"] == 1
    assert_one_line_error(invoke(capsys, "explain", "-d", accounts.dsn, "--queryid", queryid, "--params", "[3]"),
                          "2 parameter(s)", "1 value(s)")
    assert_one_line_error(invoke(capsys, "explain", "-d", accounts.dsn, "--queryid", "12345"),
                          "no statement with queryid 12345")
    assert_one_line_error(invoke(capsys, "explain", "-d", accounts.dsn, "--queryid", "x1"), "64-bit integer")
    assert_one_line_error(invoke(capsys, "explain", "-d", accounts.dsn, "SELECT 1", "--params", "{}"), "JSON array")


def test_password_never_printed(capsys, accounts: TestDatabase, tmp_path) -> None:
    url = accounts.backend.tcp_dsn(accounts.name)
    if url is None:
        pytest.skip("this backend offers no TCP password login")
    with accounts.connect() as conn:
        conn.execute("GRANT SELECT ON accounts TO pgdiag_pw")
    html = tmp_path / "plan.html"
    outcome = invoke(capsys, "explain", "-d", url, "--json", "-", "--html", str(html),
                     "SELECT * FROM accounts WHERE balance = 7")
    assert outcome.code == 0, outcome.err
    assert PASSWORD not in outcome.out + outcome.err + html.read_text(encoding="utf-8")
    assert "(password redacted)" in json.loads(outcome.out)["target"]["dsn"]
    failed = invoke(capsys, "explain", "-d", url, "SELECT * FROM no_such_table")
    assert_one_line_error(failed, "no_such_table", secrets=(PASSWORD,))


def test_input_that_is_not_utf8_is_refused_in_one_line(capsys, accounts: TestDatabase,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytes that are not UTF-8 reach Python as lone surrogates; pgdiag names the input instead of crashing."""
    monkeypatch.setattr("sys.stdin", io.StringIO("\udcff\udcfe SELECT 1"))
    assert_one_line_error(invoke(capsys, "explain", "-d", accounts.dsn, "-"), "standard input is not UTF-8 text")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"\xff SELECT 1"), encoding="utf-8"))  # UTF-8 locale
    assert_one_line_error(invoke(capsys, "explain", "-d", accounts.dsn, "-"), "standard input is not UTF-8 text")
    assert_one_line_error(invoke(capsys, "explain", "-d", accounts.dsn, "SELECT '\udcff'"),
                          "the statement is not UTF-8 text")


def test_limits_of_the_server_and_of_the_plan_reader_are_one_line_errors(capsys, accounts: TestDatabase) -> None:
    """A statement past the server's stack depth is rejected by the server (not "the connection failed"); one
    past what pgdiag parses safely is refused before parsing; a plan nested deeper than pgdiag's JSON reader
    follows says so."""
    too_long = "SELECT * FROM accounts WHERE id = " + " + ".join(["1"] * 8000)
    outcome = invoke(capsys, "explain", "-d", accounts.dsn, too_long)
    assert_one_line_error(outcome, "the server rejected the statement", "stack depth limit exceeded")
    too_deep = "SELECT * FROM accounts WHERE id = " + " + ".join(["1"] * 20000)
    assert_one_line_error(invoke(capsys, "explain", "-d", accounts.dsn, too_deep), "nested too deeply")
    nested = "SELECT id FROM accounts WHERE id = 1"
    for level in range(150):
        nested = f"SELECT id FROM accounts WHERE id IN ({nested} UNION SELECT {level})"
    assert_one_line_error(invoke(capsys, "explain", "-d", accounts.dsn, "--no-analyze", nested),
                          "the plan is nested too deeply for pgdiag to read")
