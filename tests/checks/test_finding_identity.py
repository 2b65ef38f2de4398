"""Issue 16: one statement is one finding whatever its queryids; a check the database refused in part says so
(JSON ``checks``, with the GRANT); findings of one statement shape on many tables are one finding."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from psycopg.types.numeric import Int2, Int4, Int8

from pgdiag.checks import run_checks
from pgdiag.config.model import Config
from pgdiag.core.report import Report
from tests.conftest import run_scan
from tests.pg import TestDatabase

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"
READER = "pgdiag_monitor16"
TASK_BY_ID = 'SELECT "id", "status" FROM "Task" WHERE "id" = $1'
INBOX = 'SELECT "id", "title" FROM "Ticket" WHERE "organizationId" = $1 AND "status" = $2 ORDER BY "createdAt" LIMIT 20'


@pytest.fixture(scope="module")
def saas(db: TestDatabase) -> TestDatabase:
    """Organizations with tasks (a tenant table), 100,000 tickets, and 12 tenant tables of one shape."""
    db.execute(
        'CREATE TABLE "Organization" ("id" int PRIMARY KEY)',
        'CREATE TABLE "Task" ("id" bigint PRIMARY KEY, "organizationId" int NOT NULL REFERENCES "Organization", '
        '"status" text NOT NULL)',
        'CREATE TABLE "Ticket" ("id" int PRIMARY KEY, "organizationId" int NOT NULL, "status" text NOT NULL, '
        '"title" text NOT NULL, "createdAt" timestamptz NOT NULL)',
        'INSERT INTO "Organization" SELECT g FROM generate_series(1, 20) g',
        "INSERT INTO \"Task\" SELECT g, 1 + g % 20, 'open' FROM generate_series(1, 2000) g",
        "INSERT INTO \"Ticket\" SELECT g, 1 + g % 50, (ARRAY['open','closed'])[1 + g % 2], 't' || g, "
        "now() - g * interval '1 minute' FROM generate_series(1, 100000) g",
        *(f'CREATE TABLE "Part{n}" ("id" int PRIMARY KEY, "organizationId" int NOT NULL, "b" int)' for n in range(12)),
        f"DROP ROLE IF EXISTS {READER}",
        f"CREATE ROLE {READER} LOGIN",
        f"GRANT pg_read_all_stats TO {READER}",
        "ANALYZE")
    return db


def test_one_text_bound_as_int2_int4_int8_is_one_finding(saas: TestDatabase) -> None:
    """psycopg binds small, medium and huge numbers as int2, int4 and int8: three queryids, one statement, one
    finding per check, with the calls summed and every queryid in the evidence."""
    saas.reset_statements()
    saas.replay(TASK_BY_ID, [(Int2(5),)] * 3 + [(Int4(50000),)] * 4 + [(Int8(5_000_000_000),)] * 5)
    snapshot = run_scan(saas).snapshot
    entries = snapshot.frame("statements")
    assert entries.loc[entries["query"] == TASK_BY_ID, "queryid"].nunique() == 3  # the condition is real
    config = Config(checks={"slow_query": {"mean_ms": 0, "min_calls": 1}})
    findings = [f for f in run_checks(snapshot, config).findings if f.query is not None and f.query.text == TASK_BY_ID]
    by_check = {}
    for finding in findings:
        by_check.setdefault(finding.check, []).append(finding)
    assert set(by_check) >= {"tenant_unfiltered", "slow_query"}
    for check, found in by_check.items():
        assert len(found) == 1, check
        assert found[0].query.calls == 12
        assert len(found[0].evidence["queryids"]) == 3
    slow = by_check["slow_query"][0]  # cumulative figures say since when they count
    assert slow.evidence["counted_since"] and f"since {slow.evidence['counted_since'][:10]}" in slow.title


def test_refused_planning_makes_the_check_partial_with_the_grant(saas: TestDatabase) -> None:
    """A monitoring role with pg_read_all_stats but no SELECT on Ticket: missing_index cannot plan the inbox
    query, and the JSON says the check was partial, naming the table and the GRANT that fixes it."""
    saas.reset_statements()
    saas.replay(INBOX, [(Int4(n % 50 + 1), "open") for n in range(30)])
    dsn = saas.dsn.replace("user=postgres", f"user={READER}")
    from pgdiag.db.dsn import parse
    from pgdiag.scan import scan

    result = scan(parse(dsn))
    assert "missing_index" in result.checks.partial
    reason = result.checks.partial["missing_index"]
    assert '"Ticket"' in reason and f'GRANT SELECT ON public."Ticket" TO {READER};' in reason
    report = Report(result.snapshot, result.checks.findings, result.checks.not_run,
                    checks_ran=tuple(result.checks.ran), partial=dict(result.checks.partial))
    doc = json.loads(json.dumps(report.document()))
    jsonschema.validate(doc, json.loads(SCHEMA_PATH.read_text()))
    statuses = {c["id"]: c for c in doc["checks"]}
    assert statuses["missing_index"]["status"] == "partial"
    assert statuses["duplicate_index"] == {"id": "duplicate_index", "status": "ran", "reason": None}
    assert report.incomplete

    clean = run_scan(saas)  # the superuser may plan everything: nothing partial
    assert clean.checks.partial == {}


def test_one_statement_shape_on_many_tables_is_one_finding(saas: TestDatabase) -> None:
    """The same cross-tenant UPDATE on 12 tables is one tenant_unfiltered finding listing the 12 objects; a
    different shape on one table stays its own finding."""
    saas.reset_statements()
    for n in range(12):
        saas.replay(f'UPDATE "Part{n}" SET "b" = $1 WHERE "id" = $2', [(Int4(1), Int4(1))] * 2)
    saas.replay('DELETE FROM "Part0" WHERE "id" = $1', [(Int4(1),)])
    findings = [f for f in run_scan(saas).checks.findings
                if f.check == "tenant_unfiltered" and f.object.table.startswith("Part")]
    assert len(findings) == 2
    grouped = next(f for f in findings if f.objects is not None)
    assert {o["table"] for o in grouped.objects} == {f"Part{n}" for n in range(12)}
    assert grouped.evidence["tables"] == 12 and grouped.evidence["calls_all_tables"] == 24
    assert "12 tables" in grouped.title
    assert grouped.to_dict()["objects"][0]["fingerprint"]
    single = next(f for f in findings if f.objects is None)
    assert single.query.text.startswith("DELETE")


def test_scan_as_the_monitoring_role_is_quiet_and_can_fail_on_incomplete(saas: TestDatabase) -> None:
    """The real command as the monitoring role: nothing but pgdiag's own lines on stderr (no psycopg pipeline
    warning), the partial check in the JSON, and exit 1 under --fail-on-incomplete."""
    saas.reset_statements()
    saas.replay(INBOX, [(Int4(n % 50 + 1), "open") for n in range(30)])
    dsn = saas.dsn.replace("user=postgres", f"user={READER}")
    done = subprocess.run([sys.executable, "-m", "pgdiag", "scan", "-d", dsn, "--json", "-", "--quiet",
                           "--fail-on-incomplete"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert "pipeline" not in done.stderr.lower() and "warning" not in done.stderr.lower(), done.stderr
    statuses = {c["id"]: c["status"] for c in json.loads(done.stdout)["checks"]}
    assert statuses["missing_index"] == "partial"


def test_check_pages_and_reports_show_no_raw_markup(saas: TestDatabase, capsys: pytest.CaptureFixture[str]) -> None:
    """`pgdiag checks ID` prints text, the HTML report renders the pages as HTML (``x`` → <code>), the Markdown
    carries no reST; grouped findings name their tables and evidence keys read as words."""
    from pgdiag.render.html import render_html
    from pgdiag.render.markdown import render_markdown
    from tests.cli_helpers import invoke

    for check_id in ("invalid_index", "table_bloat", "large_offset"):
        page = invoke(capsys, "checks", check_id)
        assert page.code == 0 and "``" not in page.out and "**" not in page.out and "Problem" in page.out
    saas.reset_statements()
    for n in range(12):
        saas.replay(f'UPDATE "Part{n}" SET "b" = $1 WHERE "id" = $2', [(Int4(1), Int4(1))] * 2)
    saas.replay(TASK_BY_ID, [(Int4(1),)] * 60)
    result = run_scan(saas)
    report = Report(result.snapshot, result.checks.findings, result.checks.not_run,
                    checks_ran=tuple(result.checks.ran), partial=dict(result.checks.partial))
    html, markdown = render_html(report), render_markdown(report)
    for rendered in (html, markdown):
        assert "``" not in rendered.replace("```", "") and "**Problem**" not in rendered
    assert "<h5>Problem</h5>" in html and "docs/report.md" not in html
    assert "references without a tenant condition" in html and "UPDATE target" in html
    assert "update_target" not in html.replace('title="', "")  # codes only in the raw key's tooltip, if at all
    assert "12 tables" in markdown and "Part11" in markdown
