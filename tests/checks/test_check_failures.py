"""A check that cannot do its work says so in the report; it never sinks the scan or the other checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import pytest

import pgdiag.checks
from pgdiag.checks.base import Check
from pgdiag.core.findings import Finding
from pgdiag.core.snapshot import Snapshot
from tests.conftest import run_scan
from tests.pg import TestDatabase, hypopg_available

BOX_LOOKUP = 'SELECT "id" FROM "Shape" WHERE "b" = $1::box'


@pytest.fixture(scope="module")
def shapes(db: TestDatabase) -> TestDatabase:
    """200,000 rows with a ``box`` column (equality exists, a btree operator class does not), looked up
    by that column, so index advice has a candidate PostgreSQL cannot build; hypopg created where it
    can be."""
    hypopg_available(db)
    db.execute('CREATE TABLE "Shape" ("id" int PRIMARY KEY, "b" box NOT NULL)',
               'INSERT INTO "Shape" SELECT g, box(point(g % 1000, g % 1000), point(g % 1000 + 1, g % 1000 + 1)) '
               "FROM generate_series(1, 200000) g",
               "ANALYZE")
    db.reset_statements()
    db.replay(BOX_LOOKUP, (("((1,1),(2,2))",) for _ in range(50)))
    return db


def test_an_index_postgresql_cannot_build_is_not_advised(shapes: TestDatabase) -> None:
    """With hypopg, creating the hypothetical btree index fails (no operator class for box): the candidate
    helps nothing, and missing_index runs to the end (it made the whole scan fail before). Without
    hypopg the estimate advises nothing either."""
    result = run_scan(shapes)
    assert "missing_index" not in result.checks.not_run
    assert not [f for f in result.checks.findings if f.check == "missing_index"]
    assert [f.object.table for f in result.checks.findings if f.check == "unpaginated"] == ["Shape"]


class _Broken(Check):
    """A check with a bug: it raises on every snapshot."""

    id = "broken_for_test"
    requires = ("tables",)

    def run(self, snapshot: Snapshot, settings: dict[str, Any]) -> Iterable[Finding]:
        raise ZeroDivisionError("a bug")


@pytest.mark.check_failures_reported
def test_a_failing_check_is_listed_as_not_run_and_the_others_report(shapes: TestDatabase,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    registry = {**pgdiag.checks.registry(), _Broken.id: _Broken}
    monkeypatch.setattr(pgdiag.checks, "registry", lambda: registry)
    result = run_scan(shapes)
    reason = result.checks.not_run[_Broken.id]
    assert reason.startswith("failed with an internal error (a bug in pgdiag); details in ")
    log = Path(reason.rsplit(" ", 1)[-1])
    assert "ZeroDivisionError: a bug" in log.read_text(encoding="utf-8")
    log.unlink()
    assert "unpaginated" in {f.check for f in result.checks.findings}
    from pgdiag.core.report import Report

    statuses = {c["id"]: c for c in Report(result.snapshot, result.checks.findings, result.checks.not_run,
                                           checks_ran=tuple(result.checks.ran)).document()["checks"]}
    assert statuses[_Broken.id] == {"id": _Broken.id, "status": "not_run", "reason": reason}  # in the JSON too
    assert statuses["unpaginated"]["status"] == "ran"
