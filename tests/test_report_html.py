"""The HTML report's summary, findings and listings on a real scan big enough to hit every cap.

The module's database has more tables (each without a primary key, with one index) than the tables
and indexes listings show, more distinct statements than the statements listing shows, a table with
two identical indexes and a statement run often enough for a lowered slow_query threshold. The page
is read back as a browser without JavaScript sees it (tests/html_tables.py).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

import pytest

from pgdiag.config.model import Config
from pgdiag.core.report import Report
from pgdiag.core.resources import resource_dir
from pgdiag.render.actions import GAIN_RULES, Wholes, gain, top_actions
from pgdiag.render.html import page_script, render_html
from pgdiag.render.listings import INDEX_ROWS, STATEMENT_ROWS, TABLE_ROWS
from pgdiag.render.report_view import FINDINGS_PER_CHECK
from tests.conftest import run_scan
from tests.html_tables import tables
from tests.pg import TestDatabase

EXTRA = 12
CAP_TABLES = max(TABLE_ROWS, INDEX_ROWS) + EXTRA
CAP_STATEMENTS = STATEMENT_ROWS + EXTRA
SLOW_CALLS = 60
SLOW = "SELECT count(*) FROM html_big WHERE v > $1"


@dataclass
class Scanned:
    """One scan of the module's database: the report and its HTML page."""

    report: Report
    html: str


@pytest.fixture(scope="module")
def scanned(db: TestDatabase) -> Scanned:
    """Create the workload, scan it with slow_query lowered to fire on SLOW, render the page."""
    with db.connect() as conn:
        with conn.transaction():
            for n in range(CAP_TABLES):
                conn.execute(f"CREATE TABLE html_cap_{n} (id int, v int); CREATE INDEX ON html_cap_{n} (id);"
                             f"INSERT INTO html_cap_{n} VALUES (1, {n})")
        conn.execute("CREATE TABLE html_big (id int PRIMARY KEY, v int)")
        conn.execute("INSERT INTO html_big SELECT g, g % 100 FROM generate_series(1, 20000) g")
        conn.execute("CREATE INDEX html_big_v_a ON html_big (v)")
        conn.execute("CREATE INDEX html_big_v_b ON html_big (v)")
        for n in range(CAP_STATEMENTS):
            conn.execute(f"SELECT v FROM html_cap_{n} WHERE id = 1").fetchall()
    db.replay(SLOW, [(n % 100,) for n in range(SLOW_CALLS)])
    # The shared test servers run with fsync off for speed, and every test module's CREATE DATABASE requests a
    # checkpoint: settings_risk and checkpoint_pressure (both tested on throwaway clusters) would rightly put
    # their server-wide findings first.
    config = Config(checks={"slow_query": {"mean_ms": 0, "min_calls": SLOW_CALLS},
                            "settings_risk": {"enabled": False}, "checkpoint_pressure": {"enabled": False}})
    result = run_scan(db, config=config)
    report = Report(result.snapshot, result.checks.findings, result.checks.not_run)
    return Scanned(report, render_html(report))


def caption(html: str, section_id: str) -> str:
    """The text of the sentence under a listing's heading, whitespace collapsed."""
    match = re.search(rf'<section id="{section_id}">.*?<p class="muted small">(.*?)</p>', html, re.S)
    assert match, f"no caption in section {section_id}"
    return " ".join(match.group(1).split())


def test_listings_are_capped_and_say_how_many_rows_were_left_out(scanned: Scanned) -> None:
    """Top 200 statements, 500 tables, 500 indexes; each listing names how many rows it left out."""
    page = tables(scanned.html)
    snapshot = scanned.report.snapshot
    for table_id, section_id, frame, cap in (("statements-table", "statements", "statements", STATEMENT_ROWS),
                                             ("tables-table", "tables", "tables", TABLE_ROWS),
                                             ("indexes-table", "indexes", "indexes", INDEX_ROWS)):
        total = len(snapshot.frame(frame))
        assert total > cap, f"the workload does not exceed the {frame} cap"
        assert len(page[table_id].rows) == cap
        assert f"{total - cap:,} more are not shown" in caption(scanned.html, section_id)


def test_listings_arrive_in_sort_key_order_without_javascript(scanned: Scanned) -> None:
    """Without the script the rows are already in the order the caption promises (most total time,
    largest first), and the header of that column says so (aria-sort)."""
    page = tables(scanned.html)
    for table_id, column in (("statements-table", "total ms"), ("tables-table", "total size"),
                             ("indexes-table", "size")):
        table = page[table_id]
        assert table.sorted == {column: "descending"}
        known = [v for v in table.numbers(column) if v is not None]
        assert known == sorted(known, reverse=True) and known
        values = table.numbers(column)
        assert values[:len(known)] == known  # sizes not read (locked tables) come last


def test_statement_share_is_of_all_top_level_time(scanned: Scanned) -> None:
    """The share column divides by the total execution time of all top-level statements, listed or not."""
    frame = scanned.report.snapshot.frame("statements")
    all_ms = frame.loc[frame["toplevel"].astype(bool), "total_exec_time"].sum()
    table = tables(scanned.html)["statements-table"]
    for total, share in zip(table.numbers("total ms"), table.numbers("share")):
        assert share == pytest.approx(100 * total / all_ms)
    slow = next(row for row in table.rows if "count(*) FROM html_big" in row[-1].text)  # not the INSERT
    assert slow[table.headers.index("calls")].value == str(SLOW_CALLS)


def test_findings_are_grouped_by_check_and_capped_per_check(scanned: Scanned) -> None:
    """One group per check, worst first; a check with more findings than the cap shows the cap and says
    how many more the JSON has; every other finding is on the page."""
    html = scanned.html
    findings = scanned.report.findings
    groups = re.findall(r'<details class="check-group" id="check-([a-z_]+)"', html)
    assert sorted(groups) == sorted({f.check for f in findings})
    ranks = ["critical", "high", "medium", "low", "info"]
    worst = [min(ranks.index(f.severity) for f in findings if f.check == check) for check in groups]
    assert worst == sorted(worst)

    no_pk = [f for f in findings if f.check == "no_primary_key"]
    assert len(no_pk) > FINDINGS_PER_CHECK
    group = re.search(r'<details class="check-group" id="check-no_primary_key".*?(?=<details class="check-group"|</section>)',
                      html, re.S)  # up to the next group: a group holds nested <details> (its check's page)
    assert group
    assert group.group(0).count("<article ") == FINDINGS_PER_CHECK
    assert f"{len(no_pk) - FINDINGS_PER_CHECK:,} more no_primary_key findings are not shown" in group.group(0)
    for finding in findings:
        if finding.check != "no_primary_key":
            assert f'id="finding-{finding.fingerprint}"' in html


def test_top_actions_come_from_the_evidence_and_link_to_their_finding(scanned: Scanned) -> None:
    """The summary lists the ranked actions, each linking to a finding shown on the page; gains are read
    from keys the checks really write (every finding with a rule has a gain)."""
    report = scanned.report
    wholes = Wholes.of(report.snapshot)
    for finding in report.findings:
        if finding.check in GAIN_RULES and GAIN_RULES[finding.check][0] != "none":  # "none": nothing to weigh
            assert gain(finding, wholes) is not None, f"{finding.check} evidence lacks its gain amount"
    [duplicate] = [f for f in report.findings if f.check == "duplicate_index"]
    value = gain(duplicate, wholes)
    assert value is not None and value.kind == "space" and value.amount == duplicate.evidence["index_bytes"] > 0

    actions = top_actions(report.findings, wholes)
    summary = re.search(r'<section id="summary">.*?</section>', scanned.html, re.S)
    assert summary
    links = re.findall(r'<a href="#finding-([0-9a-f]{16})">', summary.group(0))
    assert links == [a.finding.fingerprint for a in actions] and len(links) == 5
    for fingerprint in links:
        assert f'id="finding-{fingerprint}"' in scanned.html
    slow = next(a for a in actions if a.finding.check == "slow_query")
    assert slow.gain is not None and slow.gain.kind == "time"


def test_the_only_script_is_the_static_one_its_policy_allows(scanned: Scanned) -> None:
    """One inline script, byte for byte report_templates/report.js (no data in a script context); the
    Content-Security-Policy allows exactly that script by hash, and no request to anywhere."""
    html = scanned.html
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S)
    assert scripts == [page_script()]
    digest = base64.b64encode(hashlib.sha256(page_script().encode()).digest()).decode()
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert policy
    directives = dict(d.strip().split(" ", 1) for d in policy.group(1).split(";"))
    assert directives["default-src"] == "'none'" and directives["script-src"] == f"'sha256-{digest}'"
    assert html.index("Content-Security-Policy") < html.index("<style>")


def test_the_script_builds_no_markup_from_data() -> None:
    """report.js cannot close its own element and uses no API that parses strings as markup or code."""
    source = (resource_dir("report_templates") / "report.js").read_text(encoding="utf-8")
    assert "</" not in source
    for api in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function(",
                "setTimeout(\"", "fetch(", "XMLHttpRequest"):
        assert api not in source, api


def test_flagged_indexes_link_to_their_findings(scanned: Scanned) -> None:
    """In the index listing, an index a finding is about names the check and links to the finding."""
    [duplicate] = [f for f in scanned.report.findings if f.check == "duplicate_index"]
    row = re.search(rf"<tr><td[^>]*>{duplicate.object.index}\s*(.*?)</td>", scanned.html, re.S)
    assert row, "the duplicate index is not in the index listing"
    assert f'href="#finding-{duplicate.fingerprint}">duplicate_index</a>' in row.group(1)
    kept = re.search(r"<tr><td[^>]*>html_big_pkey\s*(.*?)</td>", scanned.html, re.S)
    assert kept and "<a " not in kept.group(1)
