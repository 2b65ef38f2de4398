"""``--notify URL``: a short Slack-compatible JSON summary posted to a webhook, here a local HTTP server
on 127.0.0.1. No password reaches it, and a webhook that fails is one line on stderr, exit 2."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from pgdiag.db.server import free_port
from tests.cli_helpers import assert_one_line_error, invoke
from tests.pg import PASSWORD, PASSWORD_ROLE, TestDatabase
from tests.test_report_output import strict_loads

TOKEN_PATH = "/services/T000/B000/secret-token-123"


class Webhook(ThreadingHTTPServer):
    """A local webhook that records what it receives and answers with `status`."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[tuple[str, str, dict]] = []
        self.status = 200

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{TOKEN_PATH}"


class _Handler(BaseHTTPRequestHandler):
    server: Webhook

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((self.path, self.headers["Content-Type"], json.loads(body)))
        self.send_response(self.server.status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    server = Webhook()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def target_dsn(db: TestDatabase) -> str:
    """A password URL where the backend has one (so a leak would show), else the superuser DSN."""
    return db.backend.tcp_dsn(db.name) or db.dsn


def test_summary_is_posted_after_each_scan(capsys, db: TestDatabase, webhook: Webhook, tmp_path: Path) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS notify_nopk (a int)")
    store = str(tmp_path / "h.sqlite3")
    for _ in range(2):
        outcome = invoke(capsys, "scan", "-d", target_dsn(db), "--store", store, "--notify", webhook.url)
        assert outcome.code == 0, outcome.err
    assert len(webhook.received) == 2
    (path, content_type, first), (_, _, second) = webhook.received
    assert path == TOKEN_PATH and content_type == "application/json"
    assert set(first) == {"text"} and set(second) == {"text"}
    assert first["text"].startswith("pgdiag: ") and db.name in first["text"] and "findings" in first["text"]
    assert "first snapshot" in first["text"]
    snapshots = strict_loads(invoke(capsys, "history", "--store", store, "--json", "-").out)["snapshots"]
    assert f"since snapshot {snapshots[0]['id']}: 0 new, 0 resolved, 0 regressions" in second["text"]
    assert PASSWORD not in json.dumps(webhook.received)


def test_notify_from_the_environment_and_with_all(capsys, db: TestDatabase, webhook: Webhook, tmp_path: Path,
                                                  monkeypatch) -> None:
    """PGDIAG_NOTIFY_URL works like --notify; with --all one post covers every target, failures included."""
    config = tmp_path / "pgdiag.toml"
    config.write_text(f'[[targets]]\nname = "app"\ndsn = "{db.dsn}"\n\n[[targets]]\nname = "down"\n'
                      f'dsn = "postgresql://{PASSWORD_ROLE}:{PASSWORD}@127.0.0.1:{free_port()}/x"\n',
                      encoding="utf-8")
    monkeypatch.setenv("PGDIAG_NOTIFY_URL", webhook.url)
    assert invoke(capsys, "scan", "--all", "--config", str(config)).code == 2
    [(_, _, payload)] = webhook.received
    lines = payload["text"].splitlines()
    assert lines[0] == "pgdiag: 2 targets scanned, 1 failed"
    assert lines[1].startswith("app: ") and lines[2].startswith("down: FAILED: cannot connect")
    assert PASSWORD not in payload["text"]


def test_a_failing_webhook_is_one_line_and_the_scan_is_kept(capsys, db: TestDatabase, webhook: Webhook,
                                                           tmp_path: Path) -> None:
    webhook.status = 500
    store, report = str(tmp_path / "h.sqlite3"), tmp_path / "r.json"
    outcome = invoke(capsys, "scan", "-d", db.dsn, "--store", store, "--json", str(report), "--notify", webhook.url)
    line = assert_one_line_error(outcome, "HTTP 500", f"http://127.0.0.1:{webhook.server_address[1]}")
    assert "secret-token" not in line
    assert report.exists()
    assert len(strict_loads(invoke(capsys, "history", "--store", store, "--json", "-").out)["snapshots"]) == 1


def test_an_unreachable_webhook(capsys, db: TestDatabase) -> None:
    url = f"http://127.0.0.1:{free_port()}{TOKEN_PATH}"
    line = assert_one_line_error(invoke(capsys, "scan", "-d", db.dsn, "--notify", url), "notify http://127.0.0.1:")
    assert "secret-token" not in line


def test_a_bad_url_is_refused_before_scanning(capsys, db: TestDatabase, tmp_path: Path) -> None:
    store = tmp_path / "h.sqlite3"
    assert_one_line_error(invoke(capsys, "scan", "-d", db.dsn, "--store", str(store), "--notify", "ftp://x/y"),
                          "--notify needs an http:// or https:// URL")
    assert not store.exists()


def test_a_failed_scan_is_notified(capsys, webhook: Webhook) -> None:
    """A nightly single-target run that cannot connect tells the webhook, then fails with its one line."""
    url = f"postgresql://{PASSWORD_ROLE}:{PASSWORD}@127.0.0.1:{free_port()}/app"
    assert_one_line_error(invoke(capsys, "scan", "-d", url, "--notify", webhook.url), "cannot connect to",
                          secrets=(PASSWORD,))
    [(_, _, payload)] = webhook.received
    assert payload["text"].startswith("pgdiag: 127.0.0.1:") and ": FAILED: cannot connect to" in payload["text"]
    assert PASSWORD not in payload["text"]
