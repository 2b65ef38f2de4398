"""A newcomer's first minutes (issue 16): ``--version``, and a scan without a connection string that says where
one can be given."""

from __future__ import annotations

import pytest

from pgdiag import __version__
from tests.cli_helpers import assert_one_line_error, invoke


def test_version_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(capsys, "--version")
    assert outcome.code == 0 and outcome.out.strip() == f"pgdiag {__version__}"


@pytest.mark.parametrize("command", ["scan", "doctor"])
def test_no_connection_string_names_every_place_one_can_be(capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch, tmp_path,
                                                           command: str) -> None:
    """No -d, PGDIAG_DSN or DATABASE_URL, and libpq's defaults reach no server: the one error line says how to
    give one."""
    for name in ("PGDIAG_DSN", "DATABASE_URL", "PGSERVICE", "PGDATABASE", "PGUSER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PGHOST", str(tmp_path / "no-server-here"))
    line = assert_one_line_error(invoke(capsys, command), "-d/--dsn", "PGDIAG_DSN", "DATABASE_URL", "PGHOST")
    assert "cannot connect" in line


def test_a_given_connection_string_gets_no_such_hint(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    line = assert_one_line_error(invoke(capsys, "scan", "-d", f"host={tmp_path} dbname=x"))
    assert "PGDIAG_DSN" not in line
