"""slow_query with a store judges the figures since the previous snapshot (issue 16): a statement that became
fast is no longer reported, though its cumulative mean still is over the threshold; without a store it is, and
its title says since when the cumulative figures count."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import invoke
from tests.pg import TestDatabase
from tests.test_report_output import strict_loads

SLEEP = "SELECT pg_sleep($1)"


def slow_findings(capsys: pytest.CaptureFixture[str], db: TestDatabase, config: Path, *extra: str) -> list[dict]:
    """The slow_query findings about SLEEP of one ``pgdiag scan --json -``."""
    outcome = invoke(capsys, "scan", "-d", db.dsn, "--config", str(config), "--json", "-", *extra)
    assert outcome.code == 0, outcome.err
    return [f for f in strict_loads(outcome.out)["findings"]
            if f["check"] == "slow_query" and f["query"]["text"] == SLEEP]


def test_a_statement_fixed_since_the_last_snapshot_is_no_longer_slow(capsys, db: TestDatabase, tmp_path) -> None:
    config = tmp_path / "pgdiag.toml"
    config.write_text("[checks.slow_query]\nmean_ms = 5\nmin_calls = 10\n")
    store = str(tmp_path / "history.sqlite3")
    db.reset_statements()
    db.replay(SLEEP, [(0.02,)] * 20)
    first = slow_findings(capsys, db, config, "--store", store)
    assert len(first) == 1 and first[0]["query"]["calls"] == 20
    db.replay(SLEEP, [(0.0,)] * 40)  # "fixed": 40 fast calls; the cumulative mean is still about 6.7 ms

    cumulative = slow_findings(capsys, db, config)
    assert len(cumulative) == 1 and cumulative[0]["query"]["calls"] == 60
    assert "since " in cumulative[0]["title"] and cumulative[0]["evidence"]["counted_since"]
    assert slow_findings(capsys, db, config, "--store", store) == []  # judged on the 40 calls since the snapshot

    db.replay(SLEEP, [(0.02,)] * 20)  # slow again: reported, with the figures since the second snapshot
    again = slow_findings(capsys, db, config, "--store", store)
    assert len(again) == 1 and again[0]["query"]["calls"] == 20 and "since " in again[0]["title"]
