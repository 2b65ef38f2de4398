"""What ``pgdiag scan`` prints besides the report: progress on a terminal only, nothing with --quiet,
collector figures with --verbose."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.cli_helpers import drain_pty, invoke
from tests.pg import TestDatabase


def test_quiet_prints_nothing_and_still_writes_files(capsys, db: TestDatabase, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    outcome = invoke(capsys, "scan", "-d", db.dsn, "--json", str(out), "--quiet")
    assert (outcome.code, outcome.out, outcome.err) == (0, "", "")
    assert json.loads(out.read_text())["tool"]["name"] == "pgdiag"


def test_verbose_adds_each_collectors_figures(capsys, db: TestDatabase) -> None:
    outcome = invoke(capsys, "scan", "-d", db.dsn, "--verbose")
    assert outcome.code == 0, outcome.err
    rows = [line for line in outcome.out.splitlines() if "statements" in line and " ok " in f" {line} "]
    assert rows, outcome.out[-2000:]
    assert "collectors" in outcome.out and "seconds" in outcome.out
    assert outcome.err == ""  # not a terminal: no progress line


def test_progress_shows_on_a_terminal_only(db: TestDatabase, tmp_path: Path) -> None:
    """With stderr on a pseudo-terminal the current step is shown there; stdout, piped, gets only the report."""
    master, slave = os.openpty()
    try:
        process = subprocess.run([sys.executable, "-m", "pgdiag", "scan", "-d", db.dsn, "--json",
                                  str(tmp_path / "r.json")], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=slave, timeout=120, env={**os.environ, "TERM": "xterm", "COLUMNS": "100"})
        os.close(slave)
        slave = -1
        shown = drain_pty(master)
    finally:
        if slave != -1:
            os.close(slave)
        os.close(master)
    assert process.returncode == 0
    steps = ("connecting", "collecting", "running the checks", "writing the report")
    assert any(step in shown for step in steps), shown
    assert not any(step in process.stdout.decode() for step in steps)

