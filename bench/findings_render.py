"""Terminal rendering of many findings against writing the same report as JSON, best of 3.

Reads a JSON report written by ``pgdiag scan --json`` (bench/scale.py's, or any scan's with
thousands of findings) and times, in this process: the JSON rendering (the floor), the terminal
report as printed by default (the 10 highest ranked findings of each check) and with
``--all-findings`` (every finding), both into a file as when piped. Target (issue #17): every
finding in the terminal costs no more than the JSON.

Usage: python bench/findings_render.py REPORT.json
"""

from __future__ import annotations

import io
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console
from timing import best_of

from pgdiag.core.findings import Finding
from pgdiag.core.report import Report
from pgdiag.core.snapshot import Snapshot
from pgdiag.render.json import render_json
from pgdiag.render.terminal import PER_CHECK, print_report


def main() -> None:
    """Load the report, time the three renderings and print them with their ratio to the JSON."""
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    doc = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    report = Report(Snapshot(target=doc["target"], collected_at=datetime.now(timezone.utc)),
                    [Finding.from_dict(f) for f in doc["findings"]])
    floor = best_of(lambda: render_json(report))
    default = best_of(lambda: print_report(report, _console(), per_check=PER_CHECK))
    every = best_of(lambda: print_report(report, _console(), per_check=None))
    print(f"{len(report.findings):,} findings; best of 3 runs each")
    print(f"{'JSON (floor)':28} {floor:6.2f} s  1.00x")
    print(f"{'terminal, 10 per check':28} {default:6.2f} s {default / floor:5.2f}x")
    print(f"{'terminal, --all-findings':28} {every:6.2f} s {every / floor:5.2f}x")
    print(f"target: every finding in the terminal ≤ the JSON: {'met' if every <= floor else 'NOT met'}")


def _console() -> Console:
    """A console writing into memory, as into a pipe (no terminal: no colour codes, 80 columns)."""
    return Console(file=io.StringIO(), highlight=False)


if __name__ == "__main__":
    main()
