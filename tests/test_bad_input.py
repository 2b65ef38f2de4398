"""The bad-input matrix: each case ends in one line on stderr, a documented exit code, no traceback, no password."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pgdiag.db.server import free_port
from tests.cli_helpers import assert_one_line_error, invoke
from tests.pg import PASSWORD, PASSWORD_ROLE, TestDatabase


def test_unreachable_port(capsys, backend) -> None:
    url = f"postgresql://{PASSWORD_ROLE}:{PASSWORD}@127.0.0.1:{free_port()}/postgres"
    line = assert_one_line_error(invoke(capsys, "scan", "-d", url), "cannot connect to", "Connection refused",
                                 secrets=(PASSWORD,))
    assert "(password redacted)" in line


def test_dns_failure(capsys) -> None:
    url = f"postgresql://app:{PASSWORD}@no-such-host.invalid:5432/prod"
    assert_one_line_error(invoke(capsys, "scan", "-d", url), "no-such-host.invalid", secrets=(PASSWORD,))


def test_wrong_password(capsys, db: TestDatabase) -> None:
    url = db.backend.tcp_dsn(db.name, password="wrong-Secret-42")
    if url is None:
        pytest.skip("this backend offers no TCP password login")
    assert_one_line_error(invoke(capsys, "scan", "-d", url), "password authentication failed",
                          secrets=("wrong-Secret-42", PASSWORD))


def test_right_password_connects(capsys, db: TestDatabase) -> None:
    url = db.backend.tcp_dsn(db.name)
    if url is None:
        pytest.skip("this backend offers no TCP password login")
    outcome = invoke(capsys, "scan", "-d", url, "--json", "-")
    assert outcome.code == 0, outcome.err
    assert PASSWORD not in outcome.out + outcome.err
    assert "(password redacted)" in outcome.out


def test_unknown_role(capsys, db: TestDatabase) -> None:
    dsn = db.dsn.replace("user=postgres", "user=no_such_role")
    assert_one_line_error(invoke(capsys, "scan", "-d", dsn), 'role "no_such_role" does not exist')


def test_missing_database(capsys, db: TestDatabase) -> None:
    dsn = db.backend.dsn("no_such_database")
    assert_one_line_error(invoke(capsys, "scan", "-d", dsn), 'database "no_such_database" does not exist')


@pytest.mark.parametrize("garbage", ["not a dsn at all", "postgresql://user:pw@host:notaport/db", "port=abc"])
def test_garbage_dsn(capsys, garbage: str) -> None:
    assert_one_line_error(invoke(capsys, "scan", "-d", garbage), "invalid connection string", secrets=(":pw@",))


def test_permission_denied_on_database(capsys, db: TestDatabase) -> None:
    db.execute("DROP ROLE IF EXISTS pgdiag_noconnect", "CREATE ROLE pgdiag_noconnect LOGIN",
               f'REVOKE CONNECT ON DATABASE "{db.name}" FROM PUBLIC')
    try:
        dsn = db.dsn.replace("user=postgres", "user=pgdiag_noconnect")
        assert_one_line_error(invoke(capsys, "scan", "-d", dsn), "permission denied for database")
    finally:
        db.execute(f'GRANT CONNECT ON DATABASE "{db.name}" TO PUBLIC')


def test_statement_timeout_marks_collector_and_scan_goes_on(capsys, db: TestDatabase) -> None:
    db.execute("CREATE SCHEMA IF NOT EXISTS many",
               "DO $$ BEGIN FOR i IN 1..300 LOOP "
               "EXECUTE format('CREATE TABLE IF NOT EXISTS many.t%s (id int PRIMARY KEY)', i); END LOOP; END $$")
    outcome = invoke(capsys, "scan", "-d", db.dsn, "--statement-timeout", "0.001", "--json", "-")
    assert outcome.code == 0, outcome.err
    import json

    collectors = {c["name"]: c for c in json.loads(outcome.out)["collectors"]}
    timed_out = [c for c in collectors.values() if c["status"] == "error" and "statement timeout" in c["message"]]
    assert timed_out, collectors
    assert collectors["tables"]["status"] == "error"


def test_unwritable_output_path(capsys, db: TestDatabase, tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "report.json"
    assert_one_line_error(invoke(capsys, "scan", "-d", db.dsn, "--json", str(missing)), "cannot write")
    assert_one_line_error(invoke(capsys, "scan", "-d", db.dsn, "--html", str(tmp_path)), "is a directory")


def test_unknown_fail_on_value(capsys) -> None:
    assert_one_line_error(invoke(capsys, "scan", "--fail-on", "catastrophic"), "--fail-on")


def test_unknown_option(capsys) -> None:
    assert_one_line_error(invoke(capsys, "scan", "--no-such-option"), "--no-such-option")


@pytest.mark.parametrize("content, fragment", [
    ("[checks.slow_query\nmean_ms = 5", "invalid config file"),
    ("[checks.no_such_check]\nx = 1", "unknown check 'no_such_check'"),
    ("[checks.unused_index]\nno_such_option = 1", "has no option 'no_such_option'"),
    ("[checks.unused_index]\nenabled = \"yes\"", "must be true or false"),
    ("[nonsense]\nx = 1", "unknown section"),
])
def test_invalid_config(capsys, tmp_path: Path, content: str, fragment: str) -> None:
    config = tmp_path / "pgdiag.toml"
    config.write_text(content)
    assert_one_line_error(invoke(capsys, "scan", "-d", "host=/nonexistent", "--config", str(config)), fragment)


def test_missing_config_file(capsys, tmp_path: Path) -> None:
    assert_one_line_error(invoke(capsys, "scan", "--config", str(tmp_path / "absent.toml")), "not found")


def test_unknown_check_id(capsys) -> None:
    assert_one_line_error(invoke(capsys, "checks", "no_such_check"), "unknown check")


def test_internal_error_is_one_line_with_log(capsys, monkeypatch, tmp_path: Path) -> None:
    import pgdiag.scan

    def broken(*args, **kwargs):
        raise RuntimeError("boom at postgresql://app:TopSecret99@db/prod")

    monkeypatch.setattr(pgdiag.scan, "scan", broken)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    outcome = invoke(capsys, "scan", "-d", "host=/nonexistent")
    assert outcome.code == 3
    lines = outcome.err.splitlines()
    assert len(lines) == 1 and "internal error" in lines[0] and "Traceback" not in outcome.err
    log = Path(lines[0].rsplit(" ", 1)[1])
    assert log.exists() and "RuntimeError" in log.read_text() and "TopSecret99" not in log.read_text()
    assert log.parent == tmp_path / "state" / "pgdiag" / "crash"  # the user's state directory, not /tmp
    assert log.stat().st_mode & 0o777 == 0o600 and log.parent.stat().st_mode & 0o777 == 0o700


def test_real_process_exit_code_and_single_line() -> None:
    result = subprocess.run([sys.executable, "-m", "pgdiag", "scan", "-d", "postgresql://u:Sec-ret1@127.0.0.1:1/x"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "Sec-ret1" not in result.stderr + result.stdout


def test_no_planner_session_means_estimated_advice_not_a_lost_scan(db: TestDatabase) -> None:
    """The what-if planner opens its session after collection; when it cannot (here: a port nothing listens
    on; in production a connection limit or a timeout), the checks run on estimates and the statements
    collector says so."""
    import re

    from pgdiag.checks import run_checks
    from pgdiag.db.dsn import parse
    from pgdiag.scan import _planner
    from tests.conftest import run_scan

    snapshot = run_scan(db).snapshot
    assert _planner(parse(re.sub(r"port=\d+", "port=1", db.dsn)), None, snapshot) is None
    assert "no planner session" in (snapshot.status("statements").message or "")
    assert "missing_index" not in run_checks(snapshot).not_run


def test_an_empty_tenant_column_is_refused(capsys) -> None:
    assert_one_line_error(invoke(capsys, "scan", "--tenant-column", " "), "--tenant-column needs a column name")
