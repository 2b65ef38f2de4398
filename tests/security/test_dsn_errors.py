"""Malformed or misused connection strings (issue 14, item 3): the error is one line that never quotes the
string, only its parts as parsed, so no password written in it reaches stderr — whichever command reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import assert_one_line_error, invoke
from tests.pg import TestDatabase

SECRET = "Zq9Xk7pw"


def _shapes(db: TestDatabase) -> list[str]:
    """The shapes of item 3, aimed at `db`'s server where they parse."""
    parts = dict(part.split("=", 1) for part in db.dsn.split())
    host, port = parts["host"], parts["port"]
    return [
        f"postgres:{SECRET}@localhost:{port}/{db.name}",  # URL without its scheme
        f"//postgres:{SECRET}@localhost:{port}/{db.name}",  # …with the leading slashes
        f"host={host} port={port} password:{SECRET}",  # ':' for '=' in a keyword string
        f"host={host} port={port} dbname={db.name} user=postgres:{SECRET}",  # URL habit in a keyword
        SECRET,  # a bare token
        f"postgresql://postgres:ab#{SECRET}@localhost:1/{db.name}",  # '#' in a URL password
        f"postgresql://postgres:ab?{SECRET}@localhost:1/{db.name}",  # '?' in a URL password
        f"postgresql://postgres:{SECRET}/x@localhost/{db.name}",  # '/' in a URL password
        f"postgresql://postgres:{SECRET} x@localhost:1/{db.name}",  # a space in a URL password
        f"host={host} port={port} dbname=postgres:{SECRET}@{db.name}",  # credentials in the database name
        f"{SECRET} host={host}",
        f"host={host} port={port} password={SECRET} nonsense",
        f"postgresql://u:{SECRET}@[::1/x",
    ]


SHAPE_COUNT = 13


@pytest.mark.parametrize("command", ["scan", "doctor", "explain"])
@pytest.mark.parametrize("index", range(SHAPE_COUNT))
def test_dsn_error_names_no_password(capsys, db: TestDatabase, command: str, index: int) -> None:
    dsn = _shapes(db)[index]
    argv = [command, "-d", dsn] + (["SELECT 1"] if command == "explain" else [])
    line = assert_one_line_error(invoke(capsys, *argv), secrets=(SECRET, SECRET[:5], SECRET[-4:]))
    assert dsn not in line


@pytest.mark.parametrize("index", [i for i in range(SHAPE_COUNT) if i != 4])  # a bare token is a file name
def test_store_dsn_error_names_no_password(capsys, db: TestDatabase, tmp_path: Path, monkeypatch,
                                           index: int) -> None:
    monkeypatch.chdir(tmp_path)
    store = _shapes(db)[index]
    outcome = invoke(capsys, "history", "--store", store)
    assert outcome.code == 2 and SECRET[:5] not in outcome.err + outcome.out, outcome.err


def test_unparsable_string_says_so(capsys) -> None:
    assert_one_line_error(invoke(capsys, "scan", "-d", f"postgres:{SECRET}@db/x"),
                          "the connection string could not be parsed", secrets=(SECRET,))

