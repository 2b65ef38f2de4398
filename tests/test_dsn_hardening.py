"""Connection strings from hostile or careless hands: whatever their shape, no password reaches any output, a
malformed one is a one-line error (exit 2, never a crash), and nothing in a URL can loosen pgdiag's session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pgdiag.db.dsn import parse, redact
from pgdiag.db.session import connect
from pgdiag.history.store import is_dsn
from tests.cli_helpers import assert_one_line_error, invoke
from tests.history import test_notify
from tests.history.test_notify import Webhook
from tests.pg import TestDatabase

webhook = test_notify.webhook  # the local webhook fixture of the --notify tests

SECRET = "S3cretPw"

UNPARSABLE = [
    f"postgresq://app:{SECRET}@db/prod",
    f"POSTGRESQL://app:{SECRET}@db/prod",
    f"mysql://app:{SECRET}@db/prod",
    f"postgresql:/u:{SECRET}@h",
    f"DATABASE_URL=mysql://app:{SECRET}@db/prod",
    f"postgresql://u:{SECRET}@[::1/x",
    f"postgresql://u:{SECRET}/x@h/db",
    f"postgresql://u@h/db?password={SECRET}&port=abc",
    f"postgresql://u@h/db?password={SECRET}%2Fx&port=abc",
    f"host=h password='{SECRET} x' port=abc",
    f"host=h password={SECRET}\\ x port=abc",
    f"host=h password='{SECRET}",
    f"sslpassword={SECRET} host=h nonsense",
]


@pytest.mark.parametrize("command", ["scan", "doctor"])
@pytest.mark.parametrize("dsn", UNPARSABLE)
def test_unparsable_dsn_is_one_line_without_password(capsys, command: str, dsn: str) -> None:
    assert_one_line_error(invoke(capsys, command, "-d", dsn), "invalid connection string", secrets=(SECRET,))


@pytest.mark.parametrize("dsn", ["postgresql://[::1:5432/x", "postgres://u@[::1"])
def test_malformed_ipv6_url_is_a_usage_error(capsys, dsn: str) -> None:
    assert_one_line_error(invoke(capsys, "doctor", "-d", dsn), "invalid connection string")


@pytest.mark.parametrize("text", [
    f"could not parse mysql://app:{SECRET}@db/prod",
    f"bad URI postgresql:/u:{SECRET}@h",
    f"x POSTGRES://u:{SECRET}@h/db",
    f"options were password = '{SECRET} x' and more",
    f"url postgresql://u@h/db?sslmode=require&password={SECRET}&port=1",
])
def test_redact_without_known_secrets(text: str) -> None:
    """The crash log redacts tracebacks without knowing the secrets: every shape must still be caught."""
    assert SECRET not in redact(text, ())


def test_percent_encoded_password_is_redacted_in_both_forms() -> None:
    target = parse("postgresql://u:S3cret%2FPw@h/db")
    assert target.redact("S3cret/Pw and S3cret%2FPw") == "*** and ***"


@pytest.mark.parametrize("spec, expected", [
    (f"password={SECRET} user=u dbname=x", True),
    (f"application_name=x password={SECRET}", True),
    (f"bogus=1 password={SECRET}", True),
    (f"PASSWORD={SECRET}", True),
    (f"POSTGRESQL://u:{SECRET}@h/db", True),
    ("postgres://u@h/db", True),
    ("./history.sqlite3", False),
    ("history=old.sqlite3", False),
    ("/var/lib/pgdiag/history.sqlite3", False),
    ("default", False),
])
def test_store_spec_kind(spec: str, expected: bool) -> None:
    assert is_dsn(spec) is expected


@pytest.mark.parametrize("store", [f"password={SECRET} host=/nonexistent dbname=x",
                                   f"bogus=1 password={SECRET} host=/nonexistent",
                                   f"postgresql://u:{SECRET}@[::1/x"])
def test_keyword_store_is_never_a_file(capsys, db: TestDatabase, tmp_path: Path, monkeypatch, store: str) -> None:
    monkeypatch.chdir(tmp_path)
    assert_one_line_error(invoke(capsys, "scan", "-d", db.dsn, "--store", store), secrets=(SECRET,))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["http://[::1", "https://[::1]:notaport/hook"])
def test_malformed_notify_url_is_a_usage_error(capsys, url: str) -> None:
    assert_one_line_error(invoke(capsys, "scan", "-d", "host=/nonexistent", "--notify", url), "--notify")


def test_unparsable_target_stays_redacted_in_index_and_webhook(capsys, tmp_path: Path, webhook: Webhook) -> None:
    config = tmp_path / "pgdiag.toml"
    config.write_text(f'[[targets]]\nname = "bad"\ndsn = "mysql://app:{SECRET}@db/prod"\n', encoding="utf-8")
    out = tmp_path / "json"
    outcome = invoke(capsys, "scan", "--all", "--config", str(config), "--json", str(out), "--notify", webhook.url)
    assert outcome.code == 2, outcome.err
    assert "invalid connection string" in outcome.err
    assert SECRET not in outcome.err + outcome.out
    assert webhook.received and SECRET not in json.dumps(webhook.received)
    assert SECRET not in (out / "index.json").read_text(encoding="utf-8")


def _socket_url(db: TestDatabase, query: str) -> str:
    """A URL to `db` over its Unix socket (host and port as query parameters), with `query` appended."""
    parts = dict(part.split("=", 1) for part in db.dsn.split())
    return f"postgresql://postgres@/{db.name}?host={parts['host']}&port={parts['port']}&{query}"


@pytest.mark.parametrize("injection", [
    "public%09-c%09default_transaction_read_only%3Doff%09-c%09statement_timeout%3D0",
    "public%0A-c%0Adefault_transaction_read_only%3Doff%0D-c%0Bstatement_timeout%3D0",
    "public%5C%20-c%20default_transaction_read_only%3Doff%20-c%20statement_timeout%3D0",
])
def test_prisma_schema_cannot_inject_settings(db: TestDatabase, injection: str) -> None:
    with connect(parse(_socket_url(db, f"schema={injection}"))) as conn:
        assert conn.execute("SHOW default_transaction_read_only").fetchone()[0] == "on"
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "30s"
        assert conn.execute("SELECT current_schemas(false)").fetchone()[0] == []


def test_user_options_cannot_override_safety_settings(db: TestDatabase) -> None:
    options = ("options=-c%20default_transaction_read_only%3Doff%20-c%20statement_timeout%3D0"
               "%20-c%20lock_timeout%3D0%20-c%20application_name%3Dother")
    with connect(parse(_socket_url(db, options))) as conn:
        shown = [conn.execute(f"SHOW {name}").fetchone()[0]
                 for name in ("default_transaction_read_only", "statement_timeout", "lock_timeout",
                              "application_name")]
    assert shown == ["on", "30s", "1s", "pgdiag"]


@pytest.mark.parametrize("extra", ["", "&schema=public&connection_limit=5", "&&connection_limit=5&"])
def test_url_query_reaches_libpq_as_written(db: TestDatabase, extra: str) -> None:
    with connect(parse(_socket_url(db, f"options=-c%20work_mem%3D64MB{extra}"))) as conn:
        assert conn.execute("SHOW work_mem").fetchone()[0] == "64MB"
