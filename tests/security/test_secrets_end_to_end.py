"""No password in any byte pgdiag writes (issue 14, items 1 and 2): the corpus statements run on a real server
with pg_stat_statements, a connection-string setting holds a password, and a scan writes HTML, Markdown,
JSON, a SQLite store and a PostgreSQL store; every output, every store row and every decompressed store blob
is searched for the password's fragments."""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path
from typing import Iterator

import psycopg
import pytest

from tests.cli_helpers import invoke
from tests.pg import Backend, TestDatabase, create_database, drop_database
from tests.security.redaction_corpus import FRAGMENTS, RUNNABLE

SETUP = [
    "DROP ROLE IF EXISTS sec_role", "DROP ROLE IF EXISTS sec_role2", "DROP ROLE IF EXISTS sec_role3",
    'DROP ROLE IF EXISTS "password"', "CREATE ROLE sec_role", 'CREATE ROLE "password"',
    "CREATE FOREIGN DATA WRAPPER sec_fdw",
]
TEARDOWN = ["DROP SERVER IF EXISTS sec_srv CASCADE", "DROP FOREIGN DATA WRAPPER IF EXISTS sec_fdw CASCADE",
            "DROP ROLE IF EXISTS sec_role", "DROP ROLE IF EXISTS sec_role2", "DROP ROLE IF EXISTS sec_role3",
            'DROP ROLE IF EXISTS "password"']


@pytest.fixture(scope="module")
def planted(db: TestDatabase) -> Iterator[TestDatabase]:
    """`db` after the corpus ran in it, with primary_conninfo holding a password (reset afterwards)."""
    db.execute(*TEARDOWN, *SETUP, "SELECT pg_stat_statements_reset()")
    db.execute(*(statement for _, statement in RUNNABLE))
    db.execute("ALTER SYSTEM SET primary_conninfo = 'host=p user=rep password=Zq9Xk7 application_name=x'",
               "SELECT pg_reload_conf()")
    try:
        yield db
    finally:
        db.execute("ALTER SYSTEM RESET primary_conninfo", "SELECT pg_reload_conf()", *TEARDOWN)


@pytest.fixture(scope="module")
def store_db(backend: Backend) -> Iterator[TestDatabase]:
    """An empty database for the PostgreSQL store."""
    database = create_database(backend, "t_secrets_store", extensions=())
    yield database
    drop_database(database)


def _leaks(data: bytes | str) -> list[str]:
    """The password fragments in `data`, gzip blobs decompressed."""
    if isinstance(data, bytes):
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        data = data.decode("utf-8", errors="replace")
    return [fragment for fragment in FRAGMENTS if fragment in data]


def test_the_corpus_reached_pg_stat_statements(planted: TestDatabase) -> None:
    """The end-to-end test below proves something only if the server kept the passwords to begin with."""
    with planted.connect() as conn:
        texts = [row[0] for row in conn.execute("SELECT query FROM pg_stat_statements").fetchall()]
        settings = dict(conn.execute("SELECT name, setting FROM pg_settings WHERE name LIKE '%conninfo'").fetchall())
    assert sum(1 for text in texts if _leaks(text)) >= 20, len(texts)
    assert _leaks(settings["primary_conninfo"])


def test_no_password_in_any_output_or_store(capsys, planted: TestDatabase, store_db: TestDatabase,
                                            tmp_path: Path) -> None:
    html, markdown, json_out = tmp_path / "r.html", tmp_path / "r.md", tmp_path / "r.json"
    sqlite_store = tmp_path / "history.sqlite3"
    outcome = invoke(capsys, "scan", "-d", planted.dsn, "--html", str(html), "--markdown", str(markdown),
                     "--json", str(json_out), "--store", str(sqlite_store))
    assert outcome.code in (0, 1), outcome.err
    assert not _leaks(outcome.out + outcome.err)
    for path in (html, markdown, json_out):
        assert not _leaks(path.read_bytes()), path
    assert "ALTER ROLE sec_role PASSWORD '***'" in json_out.read_text(encoding="utf-8") or \
        "ALTER ROLE sec_role PASSWORD" in html.read_text(encoding="utf-8")

    outcome = invoke(capsys, "scan", "-d", planted.dsn, "--store", store_db.dsn, "--json", "-")
    assert outcome.code in (0, 1), outcome.err
    assert not _leaks(outcome.out + outcome.err)

    for store in (str(sqlite_store), store_db.dsn):
        for argv in (("report", "--store", store, "--json", "-"), ("history", "--store", store, "--json", "-")):
            outcome = invoke(capsys, *argv)
            assert outcome.code == 0 and not _leaks(outcome.out + outcome.err), argv

    for path in tmp_path.glob("history.sqlite3*"):  # the file, and a -wal or -journal beside it
        assert not _leaks(path.read_bytes()), path
    with sqlite3.connect(sqlite_store) as conn:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        cells = [cell for table in tables for row in conn.execute(f'SELECT * FROM "{table}"') for cell in row]
    assert any(isinstance(cell, bytes) and cell[:2] == b"\x1f\x8b" for cell in cells)  # blobs were searched
    assert not [cell for cell in cells if isinstance(cell, (bytes, str)) and _leaks(cell)]

    with psycopg.connect(store_db.dsn) as conn:
        tables = conn.execute("SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables "
                              "WHERE table_schema = 'pgdiag'").fetchall()
        cells = [cell for (table,) in tables for row in conn.execute(f"SELECT * FROM {table}").fetchall()
                 for cell in row]
    assert any(isinstance(cell, bytes) and cell[:2] == b"\x1f\x8b" for cell in cells)
    assert not [cell for cell in cells if isinstance(cell, (bytes, str)) and _leaks(cell)]
    assert not [cell for cell in cells if isinstance(cell, (dict, list)) and _leaks(str(cell))]


def test_explain_shows_the_statement_redacted(capsys, db: TestDatabase) -> None:
    """explain runs the text as given but shows it (terminal, JSON, HTML) with its passwords hidden."""
    statement = "SELECT 'postgresql://app:Zq9Xk7@db/app' AS url, 'host=db password=Zq9Xk7' AS conninfo"
    outcome = invoke(capsys, "explain", "-d", db.dsn, "--json", "-", statement)
    assert outcome.code == 0, outcome.err
    assert not _leaks(outcome.out + outcome.err)
    assert "postgresql://app:***@db/app" in outcome.out


def test_session_activity_texts_are_redacted(capsys, db: TestDatabase, tmp_path: Path) -> None:
    """pg_stat_activity shows an idle session's last statement as written: stored redacted."""
    store = tmp_path / "activity.sqlite3"
    with db.connect() as idle:
        idle.execute("DROP ROLE IF EXISTS sec_idle")
        idle.execute("CREATE ROLE sec_idle PASSWORD 'Zq9Xk7'")
        outcome = invoke(capsys, "scan", "-d", db.dsn, "--store", str(store), "--json", "-")
        idle.execute("DROP ROLE IF EXISTS sec_idle")
    assert outcome.code in (0, 1), outcome.err
    with sqlite3.connect(store) as conn:
        blobs = [cell for row in conn.execute("SELECT * FROM snapshots") for cell in row if isinstance(cell, bytes)]
    texts = [gzip.decompress(blob).decode("utf-8") for blob in blobs if blob[:2] == b"\x1f\x8b"]
    assert texts and any("CREATE ROLE sec_idle PASSWORD '***'" in text for text in texts)
    assert not any(_leaks(text) for text in texts)
