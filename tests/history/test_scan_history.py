"""Two scans into a store with a known workload between them (DESIGN §8, issue #7's "must show").

Each test resets ``pg_stat_statements``, runs a baseline workload, scans with ``--store``, changes
the database and the workload, scans again and reads the comparison from the JSON report. Every
test runs on both stores and every backend.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import Outcome, invoke
from tests.html_tables import tables
from tests.pg import TestDatabase
from tests.test_report_output import schema_errors, section, strict_loads

COUNTED_CALLS = 37
SLOW_CALLS = 50
# The same statement, 3× slower between the scans: 50 calls × 12 ms more per call is well over the
# default regression_min_added_ms (500 ms).
SLOW_BEFORE_S, SLOW_AFTER_S = 0.006, 0.018
COUNTED = "SELECT count(*) FROM hist_dup WHERE code = $1"
SLOW = "SELECT pg_sleep($1)"


def scan_json(capsys: pytest.CaptureFixture[str], db: TestDatabase, store: str, *extra: str) -> dict[str, Any]:
    """``pgdiag scan --store STORE --json -``: the parsed document, checked against the schema."""
    outcome = invoke(capsys, "scan", "-d", db.dsn, "--store", store, "--json", "-", *extra)
    assert outcome.code == 0, outcome.err
    doc = strict_loads(outcome.out)
    assert schema_errors(doc) == []
    return doc


def schema_drift(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Copies of `doc` whose comparison drifted from the contract in one way each."""
    changes = [
        lambda c: c.update(extra=1),
        lambda c: c.pop("statements_info"),
        lambda c: c["baseline"].update(id="41"),
        lambda c: c["statements"][0].update(calls_delta=-3),
        lambda c: c["statements"][0].update(rows_delta=1),
        lambda c: c["tables"][0].pop("bytes_delta"),
        lambda c: c["statements_info"].update(reset="no"),
    ]
    drifted = []
    for change in changes:
        copy = json.loads(json.dumps(doc))
        change(copy["comparison"])
        drifted.append(copy)
    return drifted


def statement(doc: dict[str, Any], text: str) -> dict[str, Any]:
    """The comparison's entry for the statement with `text`."""
    matches = [s for s in doc["comparison"]["statements"] if s["text"] == text]
    assert len(matches) == 1, [s["text"] for s in doc["comparison"]["statements"]]
    return matches[0]


@pytest.fixture
def baseline(db: TestDatabase) -> TestDatabase:
    """Fresh objects and statistics: a table with two identical indexes and a table that will grow;
    the counted statement run 5 times and the slow one SLOW_CALLS times at its old speed."""
    db.execute(
        "DROP TABLE IF EXISTS hist_dup, hist_grow, hist_new",
        "CREATE TABLE hist_dup (id int PRIMARY KEY, code int)",
        "INSERT INTO hist_dup SELECT g, g % 100 FROM generate_series(1, 2000) g",
        "CREATE INDEX hist_dup_code_a ON hist_dup (code)",
        "CREATE INDEX hist_dup_code_b ON hist_dup (code)",
        "CREATE TABLE hist_grow (id int PRIMARY KEY, payload text)",
        "ANALYZE",
    )
    db.reset_statements()
    db.replay(COUNTED, [(i,) for i in range(5)])
    db.replay(SLOW, [(SLOW_BEFORE_S,)] * SLOW_CALLS)
    return db


def test_first_scan_has_no_comparison(capsys, baseline: TestDatabase, store_spec: str) -> None:
    """The first snapshot of a target has nothing to compare with: no ``comparison`` key at all."""
    doc = scan_json(capsys, baseline, store_spec)
    assert "comparison" not in doc


def test_second_scan_reports_deltas_resolved_new_regressions_and_growth(
        capsys, baseline: TestDatabase, store_spec: str, tmp_path: Path) -> None:
    """Between two scans: the counted statement runs exactly COUNTED_CALLS times, the duplicate index is
    dropped, a table without primary key appears, the slow statement gets 3× slower and a table grows."""
    first = scan_json(capsys, baseline, store_spec)
    [duplicate] = [f for f in first["findings"]
                   if f["check"] == "duplicate_index" and f["object"]["table"] == "hist_dup"]
    dropped = duplicate["object"]["index"]

    baseline.replay(COUNTED, [(i,) for i in range(COUNTED_CALLS)])
    baseline.replay(SLOW, [(SLOW_AFTER_S,)] * SLOW_CALLS)
    baseline.execute(f"DROP INDEX {dropped}", "CREATE TABLE hist_new (v int)",
                     "INSERT INTO hist_grow SELECT g, repeat('x', 200) FROM generate_series(1, 5000) g")

    html = tmp_path / "second.html"
    second = scan_json(capsys, baseline, store_spec, "--html", str(html))
    comparison = second["comparison"]
    history = strict_loads(invoke(capsys, "history", "--store", store_spec, "--json", "-").out)
    assert comparison["baseline"]["id"] == history["snapshots"][0]["id"]
    assert comparison["baseline"]["collected_at"] == first["collected_at"]

    counted = statement(second, COUNTED)
    assert counted["calls_delta"] == COUNTED_CALLS
    assert counted["total_ms_delta"] > 0 and counted["mean_ms_before"] is not None
    assert all(s["calls_delta"] > 0 for s in comparison["statements"])

    # the duplicate's drop resolves it and what it settled (unused_index about the same index, DESIGN §10)
    settled = [f["fingerprint"] for f in first["findings"] if f.get("settled_by") == duplicate["fingerprint"]]
    assert sorted(f["fingerprint"] for f in comparison["resolved"]) == sorted([duplicate["fingerprint"], *settled])
    assert any(f["check"] == "no_primary_key" and f["object"]["table"] == "hist_new" for f in comparison["new"])
    assert not any(f["fingerprint"] == duplicate["fingerprint"] for f in second["findings"])

    [regression] = [r for r in comparison["regressions"] if r["text"] == SLOW]
    assert regression["calls_delta"] == SLOW_CALLS and regression["calls_before"] == SLOW_CALLS
    assert 2.5 < regression["mean_ms_after"] / regression["mean_ms_before"] < 3.5
    assert regression["change_percent"] >= 50
    assert not any(r["text"] == COUNTED for r in comparison["regressions"])

    [grown] = [t for t in comparison["tables"] if t["table"] == "hist_grow"]
    assert grown["bytes_delta"] > 1_000_000 // 2 and grown["bytes_after"] > grown["bytes_before"]
    assert comparison["statements_info"]["compared"] is True and comparison["statements_info"]["reset"] is False

    for broken in schema_drift(second):
        assert schema_errors(broken), "the schema accepts a drifted comparison"

    page = html.read_text(encoding="utf-8")
    assert page.index("Changes since snapshot") < page.index("<h2>Summary</h2>")
    resolved = len(comparison["resolved"])
    assert re.search(rf"Resolved findings \({resolved}\)", page) and "pg_sleep($1)" in page

    listing = tables(page)["tables-table"]
    row = next(r for r in listing.rows if r[0].text == "public.hist_grow")
    assert row[listing.headers.index("growth")].value == str(grown["bytes_delta"])
    growth_chart = re.search(r'<svg id="chart-growth".*?</svg>', page, re.S)
    assert growth_chart and "<title>public.hist_grow: +" in growth_chart.group(0)


def test_terminal_report_leads_with_what_changed(capsys, baseline: TestDatabase, store_spec: str) -> None:
    """The terminal report prints the changes right after its header, before the findings table."""
    scan_json(capsys, baseline, store_spec)
    baseline.execute("DROP INDEX hist_dup_code_b")
    outcome: Outcome = invoke(capsys, "scan", "-d", baseline.dsn, "--store", store_spec)
    assert outcome.code == 0, outcome.err
    changes = outcome.out.index("Changes since snapshot")
    assert changes < outcome.out.index("Top findings")
    assert "Resolved findings (1)" in outcome.out and "duplicate_index" in outcome.out[changes:]


def test_markdown_leads_with_what_changed(capsys, baseline: TestDatabase, store_spec: str, tmp_path: Path) -> None:
    """The nightly chat message (--markdown with --store) says what changed before it lists the findings:
    the resolved duplicate index, the new table without a key, the regression and the growth."""
    scan_json(capsys, baseline, store_spec)
    baseline.replay(SLOW, [(SLOW_AFTER_S,)] * SLOW_CALLS)
    baseline.execute("DROP INDEX hist_dup_code_b", "CREATE TABLE hist_new (v int)",
                     "INSERT INTO hist_grow SELECT g, repeat('x', 200) FROM generate_series(1, 5000) g")
    markdown = tmp_path / "nightly.md"
    outcome = invoke(capsys, "scan", "-d", baseline.dsn, "--store", store_spec, "--markdown", str(markdown))
    assert outcome.code == 0, outcome.err
    text = markdown.read_text(encoding="utf-8")
    since = text.index("### Since snapshot ")
    assert since < text.index("| # | severity | check | finding |")
    assert re.search(r"### Since snapshot \d+ \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\): [1-9]\d* new, 1 resolved, "
                     r"1 regression\n", text)
    changes = text[since:text.index("| # | severity | check | finding |")]
    assert "**Resolved findings** (1)" in changes and "`duplicate_index`" in changes
    assert re.search(r"- \*\*\w+\*\* `no_primary_key` .*hist\\_new", changes)
    assert re.search(r"per call \(\+\d+ %\) over 50 calls, \+[\d.]+ s: SELECT pg\\_sleep\(\$1\)", changes)
    assert re.search(r"- public\.hist\\_grow: \+[\d.]+ (KiB|MiB)", changes)


def test_reset_between_scans_gives_no_negative_deltas_and_is_reported(
        capsys, baseline: TestDatabase, store_spec: str) -> None:
    """pg_stat_statements_reset() between the scans: statements count from the reset (the counted statement
    ran 37 times before it, 3 times after it), nothing is negative, and the reset is in JSON and terminal."""
    scan_json(capsys, baseline, store_spec)
    baseline.replay(COUNTED, [(i,) for i in range(COUNTED_CALLS)])
    baseline.reset_statements()
    baseline.replay(COUNTED, [(i,) for i in range(3)])

    second = scan_json(capsys, baseline, store_spec)
    info = second["comparison"]["statements_info"]
    assert info["reset"] is True and info["stats_reset"] >= second["comparison"]["baseline"]["collected_at"]
    assert statement(second, COUNTED)["calls_delta"] == 3
    assert all(s["calls_delta"] > 0 and s["total_ms_delta"] >= 0 for s in second["comparison"]["statements"])
    assert second["comparison"]["regressions"] == []

    outcome = invoke(capsys, "scan", "-d", baseline.dsn, "--store", store_spec)
    assert outcome.code == 0, outcome.err
    assert "pg_stat_statements was reset" not in outcome.out  # no reset since the second scan
    outcome = invoke(capsys, "report", "--store", store_spec, "--snapshot", str(second_id(capsys, store_spec)))
    assert "pg_stat_statements was reset at" in outcome.out


def second_id(capsys: pytest.CaptureFixture[str], store: str) -> int:
    """The id of the second snapshot in `store`."""
    return strict_loads(invoke(capsys, "history", "--store", store, "--json", "-").out)["snapshots"][1]["id"]


def test_stored_findings_keep_their_fingerprints(capsys, baseline: TestDatabase, store_spec: str) -> None:
    """Re-rendering a stored snapshot gives back the findings the scan reported, fingerprints included."""
    doc = scan_json(capsys, baseline, store_spec)
    outcome = invoke(capsys, "report", "--store", store_spec, "--json", "-")
    assert outcome.code == 0, outcome.err
    again = json.loads(outcome.out)
    assert again["findings"] == doc["findings"] and again["target"] == doc["target"]
    assert again["collected_at"] == doc["collected_at"]


def test_what_changed_reaches_the_html_escaped(capsys, baseline: TestDatabase, store_spec: str,
                                               tmp_path: Path) -> None:
    """Statement texts are data: a hostile one run between the scans shows in the changes section escaped."""
    scan_json(capsys, baseline, store_spec)
    with baseline.connect() as conn:
        for _ in range(3):
            conn.execute('SELECT 1 AS "<script>alert(1)</script>"').fetchall()
    html = tmp_path / "report.html"
    scan_json(capsys, baseline, store_spec, "--html", str(html))
    page = html.read_text(encoding="utf-8")
    changes = section(page, "Changes since snapshot")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in changes
    assert "<script>alert" not in page and "http://" not in changes and "https://" not in changes
