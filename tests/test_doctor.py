"""pgdiag doctor on real servers: every prerequisite judged from what the connecting role can see."""

from __future__ import annotations

import re
from typing import Iterator

import pytest

from tests.cli_helpers import invoke
from tests.pg import Backend, TestDatabase, create_database, drop_database


def lines(output: str) -> dict[str, str]:
    """Each prerequisite's line by name: ``state detail | fix: …``, lines the terminal wrapped joined again."""
    found: dict[str, str] = {}
    last = ""
    for line in output.splitlines()[1:]:
        match = re.match(r"\s+(ok|missing|optional)\s+([^:]+): (.*)", line)
        if match:
            last = match.group(2)
            found[last] = f"{match.group(1)} {match.group(3)}"
        elif line.strip().startswith("fix:"):
            found[last] += " | " + line.strip()
        elif last:
            found[last] += " " + line.strip()
    return {name: " ".join(text.split()) for name, text in found.items()}


def test_superuser_on_a_prepared_database_gets_ok(capsys, db: TestDatabase) -> None:
    outcome = invoke(capsys, "doctor", "-d", db.dsn)
    seen = lines(outcome.out)
    assert seen["pg_stat_statements preloaded"].startswith("ok shared_preload_libraries = '")
    assert seen["pg_stat_statements extension"].startswith("ok version")
    assert seen["statistics privilege"].startswith("ok")


def test_a_monitoring_role_without_read_all_settings_is_not_told_to_preload(capsys, db: TestDatabase) -> None:
    """shared_preload_libraries is hidden from a role without pg_read_all_settings; pg_stat_statements
    answering proves it is preloaded, and pgdiag never suggests rewriting a list it could not read."""
    db.execute("DROP ROLE IF EXISTS doctor_reader", "CREATE ROLE doctor_reader LOGIN",
               "GRANT pg_read_all_stats TO doctor_reader")
    outcome = invoke(capsys, "doctor", "-d", db.dsn.replace("user=postgres", "user=doctor_reader"))
    seen = lines(outcome.out)
    preloaded = seen["pg_stat_statements preloaded"]
    assert preloaded.startswith("ok pg_stat_statements answers") and "hidden from role doctor_reader" in preloaded
    assert "shared_preload_libraries =" not in " ".join(outcome.out.split())
    assert outcome.code == 0, outcome.out


@pytest.fixture
def bare(backend: Backend) -> Iterator[TestDatabase]:
    """A database without pg_stat_statements created."""
    database = create_database(backend, "t_doctor_bare", extensions=())
    yield database
    drop_database(database)


def test_missing_extension_exits_1_with_the_exact_fix(capsys, bare: TestDatabase) -> None:
    outcome = invoke(capsys, "doctor", "-d", bare.dsn)
    seen = lines(outcome.out)
    assert outcome.code == 1
    assert seen["pg_stat_statements extension"] == ("missing not created in database t_doctor_bare | "
                                                    "fix: CREATE EXTENSION pg_stat_statements;")
    assert seen["pg_stat_statements preloaded"].startswith("ok shared_preload_libraries = '")


def test_grant_fix_quotes_a_role_name_that_needs_it(capsys, db: TestDatabase) -> None:
    """A role named App-User gets ``GRANT … TO "App-User";`` — unquoted, the statement is a syntax error."""
    db.execute('DROP ROLE IF EXISTS "App-User"', 'CREATE ROLE "App-User" LOGIN')
    outcome = invoke(capsys, "doctor", "-d", db.dsn.replace("user=postgres", "user=App-User"))
    fix = lines(outcome.out)["statistics privilege"].split("| fix: ")[1]
    assert fix == 'GRANT pg_read_all_stats TO "App-User";'
    db.execute(fix)  # the fix runs as written
    assert lines(invoke(capsys, "doctor", "-d", db.dsn.replace("user=postgres", "user=App-User")).out)[
        "statistics privilege"].startswith("ok")
