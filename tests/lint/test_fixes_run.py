"""The linter's fix SQL runs on real servers, and passes the linter itself.

For each unsafe case whose finding carries fix SQL, the case's earlier migration is applied to a schema of
the test database with rows in its tables, then the fix, statement by statement in autocommit (as
CONCURRENTLY needs). The fix, split into migrations where it says ``-- in a later migration:``, is then
linted after the earlier migration: no rule may flag it.
"""

from __future__ import annotations

from pathlib import Path

import pglast
import pytest

from pgdiag.lint import lint_paths
from tests.lint.test_rules import CASES, USERS, Case, flagged
from tests.pg import TestDatabase

LATER = "-- in a later migration:"
RUNNABLE = ("create-index", "create-unique-index", "drop-index", "foreign-key", "check", "set-not-null",
            "unique-constraint", "no-lock-timeout", "add-required-column", "reindex-table",
            "detach-partition")
ROWS = ('INSERT INTO "Org" SELECT g FROM generate_series(1, 20) g',
        "INSERT INTO \"User\" SELECT g, 'u' || g || '@example.com', 'user ' || g, g, 20 + g % 50, 1 + g % 20 "
        "FROM generate_series(1, 500) g")
# What a case's statement acts on, when the earlier migration does not create it.
SETUP = {"drop-index": ('CREATE INDEX "User_email_idx" ON "User" ("email")',),
         "detach-partition": ('CREATE TABLE "Event" ("at" date) PARTITION BY RANGE ("at")',
                              'CREATE TABLE "Event_2024_01" PARTITION OF "Event" FOR VALUES FROM (\'2024-01-01\') '
                              'TO (\'2024-02-01\')')}
# The backfill a recipe leaves to the application (a "-- backfill" comment line), as the application would run it.
BACKFILL = {"add-required-column": 'UPDATE "User" SET "expiry" = now();'}


def fixed_cases(tmp_path: Path) -> dict[str, str]:
    """Case id → fix SQL, for every unsafe case whose finding carries one."""
    fixes = {}
    for number, case in enumerate(c for c in CASES if c.lines):
        for finding in flagged(case, tmp_path / str(number)):
            if finding.fix_sql:
                fixes[case.id] = finding.fix_sql
    return fixes


@pytest.mark.parametrize("case", [c for c in CASES if c.id in RUNNABLE], ids=lambda c: c.id)
def test_fix_sql_runs_and_passes_the_linter(case: Case, db: TestDatabase, tmp_path: Path) -> None:
    [finding] = flagged(case, tmp_path / "case")
    assert finding.fix_sql and case.earlier == USERS
    fix_sql = "\n".join(BACKFILL[case.id] if line.startswith("-- backfill") else line
                         for line in finding.fix_sql.splitlines())
    schema = "fix_" + case.id.replace("-", "_")
    db.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE", f"CREATE SCHEMA {schema}")
    with db.connect() as conn:
        conn.execute(f"SET search_path = {schema}")
        for statement in [*pglast.split(USERS), *ROWS, *SETUP.get(case.id, ()), *pglast.split(fix_sql)]:
            conn.execute(statement)

    migrations = tmp_path / "recipe"
    for number, part in enumerate([USERS, *fix_sql.split(LATER)]):
        path = migrations / f"2024010{number}000000_step" / "migration.sql"
        path.parent.mkdir(parents=True)
        path.write_text(part, encoding="utf-8")
    assert [(f.check, f.title) for f in lint_paths([migrations]).findings
            if f.check != "lock_timeout_missing"] == []


def test_every_kind_of_fix_sql_is_run(tmp_path: Path) -> None:
    """Each rule whose findings carry fix SQL has a case among those run above."""
    fixed = fixed_cases(tmp_path)
    rules_with_fixes = {c.rule for c in CASES if c.id in fixed}
    assert rules_with_fixes <= {c.rule for c in CASES if c.id in RUNNABLE}
