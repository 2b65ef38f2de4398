"""Fixtures for the history tests: every store test runs on both stores (an SQLite file and a PostgreSQL
database of its own on the test server), on every backend."""

from __future__ import annotations

import re
from typing import Iterator

import pytest

from tests.pg import Backend, create_database, drop_database

STORE_KINDS = ("sqlite", "postgres")


@pytest.fixture(params=STORE_KINDS)
def store_spec(request: pytest.FixtureRequest, backend: Backend, tmp_path) -> Iterator[str]:
    """A ``--store`` value for a new, empty store: an SQLite file path, or a PostgreSQL DSN of a fresh database."""
    if request.param == "sqlite":
        yield str(tmp_path / "history.sqlite3")
        return
    name = "store_" + re.sub(r"\W", "_", request.node.name)[:50].lower()
    database = create_database(backend, name, extensions=())
    yield database.dsn
    drop_database(database)
