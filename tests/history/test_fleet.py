"""``pgdiag scan --all``: the [[targets]] of pgdiag.toml scanned by a bounded pool, one report per target
plus an index, a failing target reported without stopping the others, the worst exit code."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

import pgdiag.history.fleet
from pgdiag.db.server import free_port
from tests.cli_helpers import invoke
from tests.pg import (
    PASSWORD,
    PASSWORD_ROLE,
    TestDatabase,
    create_database,
    drop_database,
)
from tests.test_report_output import schema_errors, strict_loads

SECOND_ENV = "PGDIAG_TEST_SECOND_DSN"


@pytest.fixture(scope="module")
def second(db: TestDatabase) -> TestDatabase:
    """A second target database; both have a table without primary key."""
    other = create_database(db.backend, "t_fleet_second")
    for database in (db, other):
        database.execute("CREATE TABLE IF NOT EXISTS fleet_nopk (a int)")
    yield other
    drop_database(other)


def write_config(path: Path, db: TestDatabase, *, down: bool = True, extra: str = "") -> Path:
    """A pgdiag.toml naming `first` (no_primary_key off), `second` (DSN from the environment, its own tenant
    column) and, with `down`, a target nobody listens for (its URL carries a password)."""
    # The shared test servers run with fsync off for speed, and every test module's CREATE DATABASE requests a
    # checkpoint: settings_risk and checkpoint_pressure (both tested on throwaway clusters) would rightly
    # raise the exit code.
    text = f"""
[checks.settings_risk]
enabled = false

[checks.checkpoint_pressure]
enabled = false

[[targets]]
name = "first"
dsn = "{db.dsn}"
[targets.checks.no_primary_key]
enabled = false

[[targets]]
name = "second"
dsn_env = "{SECOND_ENV}"
tenant_column = "acct_id"
"""
    if down:
        text += f"""
[[targets]]
name = "down"
dsn = "postgresql://{PASSWORD_ROLE}:{PASSWORD}@127.0.0.1:{free_port()}/app"
"""
    path.write_text(text + extra, encoding="utf-8")
    return path


def findings_on(doc: dict, table: str) -> set[str]:
    return {f["check"] for f in doc["findings"] if f["object"]["table"] == table}


def test_scan_all_writes_a_report_per_target_and_an_index(capsys, db: TestDatabase, second: TestDatabase,
                                                         tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(SECOND_ENV, second.dsn)
    config = write_config(tmp_path / "pgdiag.toml", db)
    store, out = str(tmp_path / "history.sqlite3"), tmp_path / "reports"
    argv = ["scan", "--all", "--config", str(config), "--store", store, "--json", str(out / "json"),
            "--html", str(out / "html")]
    outcome = invoke(capsys, *argv)

    assert outcome.code == 2, outcome.err
    assert outcome.err.splitlines() == [line for line in outcome.err.splitlines()
                                        if line.startswith("pgdiag: error: target down: cannot connect")]
    assert len(outcome.err.splitlines()) == 1 and "(password redacted)" in outcome.err
    assert sorted(p.name for p in (out / "json").iterdir()) == ["first.json", "index.json", "second.json"]
    assert sorted(p.name for p in (out / "html").iterdir()) == ["first.html", "index.html", "second.html"]
    written = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file())
    assert PASSWORD not in written + outcome.out + outcome.err

    first = strict_loads((out / "json" / "first.json").read_text(encoding="utf-8"))
    other = strict_loads((out / "json" / "second.json").read_text(encoding="utf-8"))
    assert schema_errors(first) == [] and schema_errors(other) == []
    assert first["target"]["database"] == db.name and other["target"]["database"] == second.name
    assert "no_primary_key" not in findings_on(first, "fleet_nopk")  # its own thresholds
    assert "no_primary_key" in findings_on(other, "fleet_nopk")

    index = json.loads((out / "json" / "index.json").read_text(encoding="utf-8"))
    assert index["exit_code"] == 2
    assert [(t["name"], t["status"], t["report"]) for t in index["targets"]] == [
        ("first", "ok", "first.json"), ("second", "ok", "second.json"), ("down", "error", None)]
    page = (out / "html" / "index.html").read_text(encoding="utf-8")
    assert 'href="first.html"' in page and 'href="second.html"' in page and "failed" in page
    assert "http://" not in page and "https://" not in page
    assert "first" in outcome.out and "down" in outcome.out and "failed" in outcome.out

    history = strict_loads(invoke(capsys, "history", "--store", store, "--json", "-").out)
    assert sorted(s["target"] for s in history["snapshots"]) == ["first", "second"]

    assert invoke(capsys, *argv).code == 2  # the next night: each target compared with its own last snapshot
    again = strict_loads((out / "json" / "second.json").read_text(encoding="utf-8"))
    ids = {s["target"]: s["id"] for s in history["snapshots"]}
    assert again["comparison"]["baseline"]["id"] == ids["second"]
    index = json.loads((out / "json" / "index.json").read_text(encoding="utf-8"))
    assert index["targets"][1]["comparison"]["baseline_id"] == ids["second"]


def test_exit_code_is_the_worst_target(capsys, db: TestDatabase, second: TestDatabase, tmp_path: Path,
                                       monkeypatch) -> None:
    """Without a failing target: 1 when any target has findings at --fail-on, else 0."""
    monkeypatch.setenv(SECOND_ENV, second.dsn)
    config = write_config(tmp_path / "pgdiag.toml", db, down=False)
    assert invoke(capsys, "scan", "--all", "--config", str(config), "--fail-on", "info").code == 1
    assert invoke(capsys, "scan", "--all", "--config", str(config), "--fail-on", "critical").code == 0


def test_a_missing_environment_variable_fails_that_target_only(capsys, db: TestDatabase, tmp_path: Path,
                                                              monkeypatch) -> None:
    monkeypatch.delenv(SECOND_ENV, raising=False)
    outcome = invoke(capsys, "scan", "--all", "--config", str(write_config(tmp_path / "p.toml", db, down=False)))
    assert outcome.code == 2
    assert outcome.err == f"pgdiag: error: target second: environment variable {SECOND_ENV} is not set\n"


def test_the_pool_is_bounded_and_each_target_gets_its_settings(capsys, db: TestDatabase, second: TestDatabase,
                                                               tmp_path: Path, monkeypatch) -> None:
    """Four targets with --jobs 2: never more than two scans at once, and two do run together; each scan
    gets its target's tenant column."""
    monkeypatch.setenv(SECOND_ENV, second.dsn)
    extra = "".join(f'\n[[targets]]\nname = "copy{i}"\ndsn = "{db.dsn}"\n' for i in range(2))
    config = write_config(tmp_path / "pgdiag.toml", db, down=False, extra=extra)
    real_scan, lock = pgdiag.history.fleet.scan, threading.Lock()
    running, peak, tenant_columns = [0], [0], {}

    def counting_scan(target, **kwargs):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            tenant_columns[target.conninfo] = kwargs["config"].tenancy.tenant_column
        try:
            return real_scan(target, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(pgdiag.history.fleet, "scan", counting_scan)
    assert invoke(capsys, "scan", "--all", "--config", str(config), "--jobs", "2").code == 0
    assert peak[0] == 2
    assert tenant_columns == {db.dsn: None, second.dsn: "acct_id"}


@pytest.mark.parametrize("argv, message", [
    (["--json", "-"], "name directories"),
    (["-d", "dbname=x"], "leave out -d/--dsn"),
    (["--markdown", "x.md"], "do not apply to --all"),
])
def test_scan_all_usage_errors(capsys, db: TestDatabase, tmp_path: Path, argv: list[str], message: str) -> None:
    config = write_config(tmp_path / "pgdiag.toml", db, down=False)
    outcome = invoke(capsys, "scan", "--all", "--config", str(config), *argv)
    assert outcome.code == 2 and outcome.err.startswith("pgdiag: error: ") and message in outcome.err


def test_scan_all_without_targets(capsys, tmp_path: Path) -> None:
    config = tmp_path / "pgdiag.toml"
    config.write_text("[checks.slow_query]\nmean_ms = 10\n", encoding="utf-8")
    outcome = invoke(capsys, "scan", "--all", "--config", str(config))
    assert outcome.code == 2 and "--all needs [[targets]]" in outcome.err


def test_a_target_with_a_prisma_schema_gets_prisma_fixes(capsys, db: TestDatabase, second: TestDatabase,
                                                         tmp_path: Path) -> None:
    """``prisma_schema`` in [[targets]] (relative to pgdiag.toml) words that target's index findings in its
    models; a target whose schema is missing fails alone, with one line."""
    second.execute("CREATE TABLE IF NOT EXISTS fleet_dup (id int PRIMARY KEY, email text)",
                   "CREATE INDEX IF NOT EXISTS fleet_dup_email_idx ON fleet_dup (email)",
                   "CREATE INDEX IF NOT EXISTS fleet_dup_email_copy ON fleet_dup (email)")
    (tmp_path / "app" / "prisma").mkdir(parents=True)
    (tmp_path / "app" / "prisma" / "schema.prisma").write_text(
        'model Dup {\n  id    Int    @id\n  email String\n  @@index([email], map: "fleet_dup_email_idx")\n'
        '  @@map(name: "fleet_dup")\n}\n', encoding="utf-8")
    config = tmp_path / "conf" / "pgdiag.toml"
    config.parent.mkdir()
    config.write_text(f'[[targets]]\nname = "app"\ndsn = "{second.dsn}"\nprisma_schema = "../app/prisma/schema.prisma"\n'
                      f'[[targets]]\nname = "lost"\ndsn = "{db.dsn}"\nprisma_schema = "nowhere/schema.prisma"\n',
                      encoding="utf-8")
    out = tmp_path / "json"
    outcome = invoke(capsys, "scan", "--all", "--config", str(config), "--json", str(out))
    assert outcome.code == 2
    assert outcome.err == (f"pgdiag: error: target lost: Prisma schema {config.parent / 'nowhere/schema.prisma'} "
                           "does not exist\n")
    report = strict_loads((out / "app.json").read_text(encoding="utf-8"))
    fixes = [f["prisma_fix"] for f in report["findings"] if f["check"] == "duplicate_index"]
    assert fixes and all("model Dup" in fix for fix in fixes), fixes
