"""Fixtures: one real server per PostgreSQL major for the whole session, one database per test module."""

from __future__ import annotations

import os
import re
import tempfile
from typing import Iterator

import pytest

import pgdiag.checks
from pgdiag.db.dsn import parse
from pgdiag.scan import ScanResult, scan
from tests.pg import (
    Backend,
    TestDatabase,
    create_database,
    discover_backends,
    drop_database,
)

BACKENDS = discover_backends()
# Crash logs go to the user's state directory (pgdiag/core/crashlog.py): the suite's go to a directory of its
# own, in this process and the pgdiag processes it starts, never into the home directory of whoever runs it.
os.environ["XDG_STATE_HOME"] = tempfile.mkdtemp(prefix="pgdiag-test-state-")


@pytest.fixture(autouse=True)
def check_failures_raise(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """In tests a failing check raises: pgdiag lists it as not run and carries on, which would let a broken
    check pass a test that expects it to stay silent. Tests of that listing opt out with the
    ``check_failures_reported`` marker."""
    if request.node.get_closest_marker("check_failures_reported") is None:
        monkeypatch.setattr(pgdiag.checks, "_failure", _raise)


def _raise(exc: Exception) -> str:
    raise exc


@pytest.fixture(scope="session", params=BACKENDS, ids=[b.label for b in BACKENDS])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """A running PostgreSQL server; every test that touches SQL runs once per available major."""
    server: Backend = request.param
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def db(backend: Backend, request: pytest.FixtureRequest) -> Iterator[TestDatabase]:
    """A fresh database for this test module, with pg_stat_statements created."""
    name = "t_" + re.sub(r"\W", "_", request.module.__name__.rsplit(".", 1)[-1])[:55]
    database = create_database(backend, name)
    yield database
    drop_database(database)


def run_scan(database: TestDatabase, **kwargs) -> ScanResult:
    """Scan `database` through pgdiag's own safe session."""
    return scan(parse(database.dsn), **kwargs)
