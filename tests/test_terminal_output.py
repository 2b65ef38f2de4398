"""The terminal report is sized for people: the 10 highest ranked findings of each check, how many more the
JSON and HTML reports hold, and every one with ``--all-findings``.

Thirteen tables without a primary key make no_primary_key fire thirteen times on a real server.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli_helpers import invoke
from tests.pg import TestDatabase

TABLES = 13


@pytest.fixture(scope="module")
def keyless(db: TestDatabase) -> TestDatabase:
    """`TABLES` tables without a primary key, and one with a key (never listed)."""
    db.execute(*(f'CREATE TABLE "nokey_{n:02d}" ("id" int, "name" text)' for n in range(TABLES)),
               'CREATE TABLE "keyed" ("id" int PRIMARY KEY)', "ANALYZE")
    return db


def listed(out: str) -> list[str]:
    """The keyless tables named on the listing's lines (rank, severity, object), in order."""
    return re.findall(r"^\s+\d+\s+\w+\s+public\.(nokey_\d\d)\b", out, flags=re.MULTILINE)


def test_terminal_lists_ten_per_check_and_says_how_many_more(capsys: pytest.CaptureFixture[str],
                                                             keyless: TestDatabase, tmp_path: Path) -> None:
    json_out = tmp_path / "report.json"
    outcome = invoke(capsys, "scan", "-d", keyless.dsn, "--json", str(json_out))
    assert outcome.code == 0, outcome.err
    assert len(listed(outcome.out)) == 10, outcome.out
    assert f"no_primary_key: {TABLES} findings" in outcome.out
    assert f"… and {TABLES - 10} more no_primary_key findings" in " ".join(outcome.out.split())
    in_json = [f["object"]["table"] for f in json.loads(json_out.read_text())["findings"]
               if f["check"] == "no_primary_key"]
    assert sorted(in_json) == [f"nokey_{n:02d}" for n in range(TABLES)]  # the JSON holds every one
    assert set(listed(outcome.out)) < set(in_json)
    assert "keyed" not in in_json


def test_all_findings_lists_every_one(capsys: pytest.CaptureFixture[str], keyless: TestDatabase) -> None:
    outcome = invoke(capsys, "scan", "-d", keyless.dsn, "--all-findings")
    assert outcome.code == 0, outcome.err
    assert sorted(listed(outcome.out)) == [f"nokey_{n:02d}" for n in range(TABLES)]
    assert "more no_primary_key findings" not in outcome.out
