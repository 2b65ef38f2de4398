"""The report outputs on a real server: the JSON contract (docs/report.schema.json) and a safe, self-contained HTML page.

One module-wide workload makes checks fire: a table with two identical indexes (duplicate_index),
a table named ``<b>x</b>`` without a primary key (no_primary_key), and a statement whose text
carries an HTML/script payload, run often enough that a lowered slow_query threshold reports it
and it shows in the top-statements table. Hostile text must reach the reports, escaped.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from markupsafe import escape

from pgdiag.cli import run
from pgdiag.config.loader import load as load_config
from pgdiag.core.report import Report
from pgdiag.render.json import render_json
from tests.cli_helpers import invoke
from tests.conftest import run_scan
from tests.pg import TestDatabase

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "report.schema.json"
PAYLOAD = "</script><img src=x onerror=alert(1)>"
HOSTILE_TABLE = "<b>x</b>"
PAYLOAD_CALLS = 25
# Report every statement run at least PAYLOAD_CALLS times as slow: only the payload statement is.
CONFIG = f"[checks.slow_query]\nmean_ms = 0\nmin_calls = {PAYLOAD_CALLS}\n"


@dataclass
class ScanFiles:
    """One ``pgdiag scan --json PATH --html PATH`` run over the module's workload."""

    code: int
    document: dict[str, Any]
    html: str
    markdown: str


def strict_loads(text: str) -> Any:
    """Parse `text` as standard JSON: NaN and Infinity (which Python's json writes by default) are errors."""
    def reject(constant: str) -> None:
        raise ValueError(f"not valid JSON: {constant}")
    return json.loads(text, parse_constant=reject)


def validator() -> Draft202012Validator:
    """A validator for docs/report.schema.json, with formats (date-time) checked too."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_errors(document: Any) -> list[str]:
    """Every way `document` breaks the schema, as readable lines (empty when it conforms)."""
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in validator().iter_errors(document)]


def section(html: str, heading: str) -> str:
    """The HTML of the ``<section>`` whose ``<h2>`` starts with `heading`."""
    match = re.search(rf"<h2>{re.escape(heading)}.*?</section>", html, re.S)
    assert match, f"no section {heading!r} in the report"
    return match.group(0)


@pytest.fixture(scope="module")
def config_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pgdiag.toml that makes slow_query report the payload statement."""
    path = tmp_path_factory.mktemp("config") / "pgdiag.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def workload(db: TestDatabase) -> TestDatabase:
    """The module database with objects and statements that make checks fire, hostile names included."""
    db.execute(
        "CREATE TABLE report_dup (id int PRIMARY KEY, code int)",
        "INSERT INTO report_dup SELECT g, g FROM generate_series(1, 1000) g",
        "CREATE INDEX report_dup_code_a ON report_dup (code)",
        "CREATE INDEX report_dup_code_b ON report_dup (code)",
        f'CREATE TABLE "{HOSTILE_TABLE}" (v int)',
        f'INSERT INTO "{HOSTILE_TABLE}" SELECT g FROM generate_series(1, 10) g',
    )
    with db.connect() as conn:
        for _ in range(PAYLOAD_CALLS):
            conn.execute(f'SELECT 1 AS "{PAYLOAD}"').fetchall()
    # pg_stat_statements counts in shared memory when a statement ends: no statistics delay here.
    db.wait_until(f"SELECT count(*) > 0 FROM pg_stat_statements WHERE calls >= {PAYLOAD_CALLS} "
                  f"AND strpos(query, 'onerror') > 0")
    return db


@pytest.fixture(scope="module")
def scan_files(workload: TestDatabase, config_file: Path, tmp_path_factory: pytest.TempPathFactory) -> ScanFiles:
    """Run the real command line once, writing both the JSON and the HTML report to files."""
    out = tmp_path_factory.mktemp("reports")
    json_path, html_path, markdown_path = out / "report.json", out / "report.html", out / "report.md"
    code = run(["scan", "-d", workload.dsn, "--config", str(config_file),
                "--json", str(json_path), "--html", str(html_path), "--markdown", str(markdown_path)])
    json_text = json_path.read_text(encoding="utf-8")
    return ScanFiles(code, strict_loads(json_text), html_path.read_text(encoding="utf-8"),
                     markdown_path.read_text(encoding="utf-8"))


# The schema itself -----------------------------------------------------------------------------

def test_schema_is_valid_draft_2020_12_and_rejects_drift(scan_files: ScanFiles) -> None:
    """The schema is a valid 2020-12 schema and strict: each kind of drift from DESIGN §4 in a real
    document (extra or missing key, unknown severity, malformed fingerprint or timestamp) fails it."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)

    good = scan_files.document
    assert good["findings"] and schema_errors(good) == []

    def broken(change: str) -> dict[str, Any]:
        doc = copy.deepcopy(good)
        finding = doc["findings"][0]
        if change == "extra finding key":
            finding["severity_rank"] = 0
        elif change == "missing fix_sql":
            del finding["fix_sql"]
        elif change == "unknown severity":
            finding["severity"] = "warning"
        elif change == "long fingerprint":
            finding["fingerprint"] += "0"
        elif change == "numeric column name":
            finding["object"]["columns"] = [1]
        elif change == "local time":
            doc["collected_at"] = doc["collected_at"].replace("Z", "+01:00")
        elif change == "extra top-level key":
            doc["not_run"] = {}
        elif change == "collector rows as text":
            doc["collectors"][0]["rows"] = "7"
        return doc

    for change in ("extra finding key", "missing fix_sql", "unknown severity", "long fingerprint",
                   "numeric column name", "local time", "extra top-level key", "collector rows as text"):
        assert schema_errors(broken(change)), f"the schema accepts a document with {change}"


def test_documented_example_conforms_to_the_schema() -> None:
    """The example in docs/json-contract.md is a valid report, so the prose and the schema agree."""
    text = (SCHEMA_PATH.parent / "json-contract.md").read_text(encoding="utf-8")
    match = re.search(r"^## Example$.*?^```json$\n(.*?)^```$", text, re.S | re.M)
    assert match, "docs/json-contract.md has no JSON example"
    example = strict_loads(match.group(1))
    assert example["findings"] and schema_errors(example) == []


# JSON ------------------------------------------------------------------------------------------

def test_scan_json_file_validates_against_the_schema(scan_files: ScanFiles, workload: TestDatabase) -> None:
    """``scan --json PATH`` writes a document that conforms to docs/report.schema.json, about this
    database, with the expected findings on real names (no quotes), worst first."""
    assert scan_files.code == 0
    doc = scan_files.document
    assert schema_errors(doc) == []
    assert doc["target"]["database"] == workload.name
    assert {c["name"] for c in doc["collectors"]} >= {"tables", "indexes", "statements"}
    assert all(c["status"] == "ok" for c in doc["collectors"] if c["name"] in ("tables", "indexes", "statements"))

    findings = doc["findings"]
    ranks = ["critical", "high", "medium", "low", "info"]
    assert [ranks.index(f["severity"]) for f in findings] == sorted(ranks.index(f["severity"]) for f in findings)
    by_check = {(f["check"], f["object"]["table"]) for f in findings}
    assert ("duplicate_index", "report_dup") in by_check
    assert ("no_primary_key", HOSTILE_TABLE) in by_check
    [slow] = [f for f in findings if f["check"] == "slow_query"]
    assert PAYLOAD in slow["query"]["text"] and slow["query"]["calls"] == PAYLOAD_CALLS
    assert re.fullmatch(r"-?\d+", slow["query"]["queryid"])


def test_scan_json_to_stdout_is_only_json(capsys: pytest.CaptureFixture[str], workload: TestDatabase,
                                          config_file: Path) -> None:
    """``scan --json -`` prints one valid JSON document and nothing else: the terminal report is not mixed in."""
    outcome = invoke(capsys, "scan", "-d", workload.dsn, "--config", str(config_file), "--json", "-")
    assert outcome.code == 0, outcome.err
    assert outcome.err == ""
    assert outcome.out.lstrip().startswith("{") and outcome.out.rstrip().endswith("}")
    doc = strict_loads(outcome.out)
    assert schema_errors(doc) == []
    assert doc["findings"] and doc["target"]["database"] == workload.name
    assert "pgdiag scan of" not in outcome.out and "Top findings" not in outcome.out


def test_report_document_round_trips_through_json_text(workload: TestDatabase, config_file: Path) -> None:
    """The JSON text is exactly ``Report.document()``: every value is a plain JSON type, so nothing is
    silently stringified (render_json's ``default=str``) or written as NaN, and parsing gives the same objects."""
    result = run_scan(workload, config=load_config(config_file))
    report = Report(result.snapshot, result.checks.findings, result.checks.not_run)
    doc = report.document()
    assert doc["findings"]
    json.dumps(doc, allow_nan=False)  # raises on numpy scalars, timestamps, NaN …
    parsed = strict_loads(render_json(report))
    assert parsed == doc
    assert parsed["findings"] == [f.to_dict() for f in report.findings]
    assert schema_errors(parsed) == []


# HTML ------------------------------------------------------------------------------------------

def test_scan_html_file_is_written(scan_files: ScanFiles, workload: TestDatabase) -> None:
    """``scan --html PATH`` writes a complete page naming the database and every finding of the JSON report."""
    html = scan_files.html
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert f"pgdiag report: {workload.name}" in html
    for finding in scan_files.document["findings"]:
        assert f'id="finding-{finding["fingerprint"]}"' in html


def test_hostile_query_text_is_escaped_in_html(scan_files: ScanFiles) -> None:
    """A statement whose text closes a script and injects an element reaches the HTML report (in its
    slow_query finding and in the top-statements table) only in escaped form."""
    html = scan_files.html
    assert "<img src=x onerror=alert(1)>" not in html
    assert "</script><img" not in html
    assert "<img" not in html and "onerror=alert(1)>" not in html
    escaped = str(escape(PAYLOAD))
    assert escaped == "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert escaped in section(html, "Top statements by total time")
    findings = section(html, "Findings")
    slow = next(f for f in scan_files.document["findings"] if f["check"] == "slow_query")
    assert f'<pre class="query-text">{escape(slow["query"]["text"])}</pre>' in findings
    assert str(escape(slow["title"])) in findings


def test_hostile_table_name_is_escaped_in_html(scan_files: ScanFiles) -> None:
    """A table named ``<b>x</b>`` is named in its no_primary_key finding and the table list, escaped only."""
    html = scan_files.html
    assert HOSTILE_TABLE not in html and "<b>" not in html
    escaped = str(escape(HOSTILE_TABLE))
    finding = next(f for f in scan_files.document["findings"]
                   if f["check"] == "no_primary_key" and f["object"]["table"] == HOSTILE_TABLE)
    article = re.search(rf'<article class="finding[^"]*" id="finding-{finding["fingerprint"]}">.*?</article>',
                        html, re.S)
    assert article and escaped in article.group(0)
    assert f"public.{escaped}" in section(html, "Largest tables")


def test_hostile_table_name_is_escaped_in_the_size_chart(scan_files: ScanFiles) -> None:
    """Chart labels and tooltips are SVG text written by the same autoescaping templates: the table
    named ``<b>x</b>`` is in the largest-tables chart, escaped only."""
    chart = re.search(r'<svg id="chart-sizes".*?</svg>', section(scan_files.html, "Largest tables"), re.S)
    assert chart, "no table size chart"
    escaped = str(escape(HOSTILE_TABLE))
    assert re.search(rf'<text class="chart-label"[^>]*>public\.{re.escape(escaped)}</text>', chart.group(0))
    assert re.search(rf"<title>public\.{re.escape(escaped)}: ", chart.group(0))


def test_html_is_self_contained(scan_files: ScanFiles) -> None:
    """The page loads nothing from elsewhere: no remote src/href, no external script or stylesheet,
    no CSS @import, no url() other than data: or a fragment."""
    html = scan_files.html
    assert html.count("<style>") == 1  # the styles are inline
    remote_attributes = re.findall(
        r"""\b(?:src|href|srcset|action|formaction|poster|data|xlink:href)\s*=\s*["']?\s*(?:https?:)?//""",
        html, re.I)
    assert remote_attributes == []
    assert re.search(r"<script\b[^>]*\bsrc\s*=", html, re.I) is None
    assert re.search(r"<link\b[^>]*\brel\s*=\s*[\"']?stylesheet", html, re.I) is None
    assert re.search(r"<(?:iframe|object|embed|base)\b", html, re.I) is None
    assert "@import" not in html
    for target in re.findall(r"""url\(\s*["']?([^"')\s]*)""", html, re.I):
        assert target.startswith(("data:", "#")), target



# Markdown ---------------------------------------------------------------------------------------

FENCE = re.compile(r"^(`{3,})[a-z]*\n.*?^\1$", re.S | re.M)


def test_markdown_summary_matches_the_json(scan_files: ScanFiles) -> None:
    """The heading counts the same findings as the JSON; each finding is a table row; fixes are SQL blocks."""
    findings = scan_files.document["findings"]
    heading = scan_files.markdown.splitlines()[0]
    assert heading.startswith("## pgdiag: ") and f": {len(findings)} findings (" in heading
    rows = [line for line in scan_files.markdown.splitlines() if re.match(r"\| \d+ \|", line)]
    assert len(rows) == min(len(findings), 25)
    fix = next(f["fix_sql"] for f in findings if f["fix_sql"])
    assert f"```sql\n{fix}\n```" in scan_files.markdown


def test_markdown_keeps_hostile_text_inert(scan_files: ScanFiles) -> None:
    """The payload statement is shown verbatim only inside code blocks; everywhere else no tag survives."""
    blocks = [m.group(0) for m in FENCE.finditer(scan_files.markdown)]
    assert any(PAYLOAD in block for block in blocks), "the payload statement is not shown in a code block"
    outside = FENCE.sub("", scan_files.markdown)
    for tag in ("<img", "<script", "</script", "<b>"):
        assert tag not in outside
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in outside  # the slow_query title, escaped
