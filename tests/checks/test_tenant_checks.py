"""tenant_unfiltered, tenant_index_missing and soft_delete_unfiltered on real servers.

A small multi-tenant schema (organizations, projects, alerts, comments) plus a global table, a
configured-global table and three row-level-security tables. Each test replays statements with
server-bound ``$n`` parameters (as an ORM sends them), scans through pgdiag's own session and looks at
exactly which statements and tables each check flagged. Statements that must be flagged carry only
``$n`` parameters, so pg_stat_statements keeps their text as written.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Sequence

import psycopg
import pytest
from psycopg.types.numeric import Int4

from pgdiag.checks import run_checks
from pgdiag.config.model import Config
from pgdiag.core.findings import Finding
from pgdiag.core.snapshot import Snapshot
from pgdiag.tenant.config import TenancyConfig
from pgdiag.tenant.model import tenant_schema
from tests.conftest import run_scan
from tests.pg import TestDatabase

APP_ROLE = "pgdiag_tenant_app"
RLS_POLICY = "USING (\"organizationId\" = current_setting('app.org')::int)"


@pytest.fixture(scope="module")
def saas(db: TestDatabase) -> TestDatabase:
    """Three organizations with projects, alerts and comments; Comment (12,000 rows) and Invoice have no
    index leading with "organizationId"; Country is global; the *Secret tables use row-level security."""
    db.execute(
        f"DROP ROLE IF EXISTS {APP_ROLE}", f"CREATE ROLE {APP_ROLE}",
        'CREATE TABLE "Organization" ("id" int PRIMARY KEY, "name" text NOT NULL)',
        'CREATE TABLE "Country" ("id" int PRIMARY KEY, "name" text NOT NULL)',
        'CREATE TABLE "Project" ("id" int PRIMARY KEY, "organizationId" int NOT NULL REFERENCES "Organization", '
        '"name" text NOT NULL, "deletedAt" timestamptz)',
        'CREATE TABLE "Alert" ("id" int PRIMARY KEY, "organizationId" int NOT NULL REFERENCES "Organization", '
        '"projectId" int NOT NULL REFERENCES "Project", "status" text NOT NULL)',
        'CREATE TABLE "Comment" ("id" int PRIMARY KEY, "organizationId" int NOT NULL REFERENCES "Organization", '
        '"alertId" int NOT NULL REFERENCES "Alert", "body" text NOT NULL)',
        'CREATE TABLE "Invoice" ("id" int PRIMARY KEY, "organizationId" int NOT NULL REFERENCES "Organization", '
        '"amount" int NOT NULL)',
        'CREATE TABLE "Template" ("id" int PRIMARY KEY, "organizationId" int REFERENCES "Organization", "body" text)',
        'INSERT INTO "Organization" SELECT g, \'org \' || g FROM generate_series(1, 3) g',
        'INSERT INTO "Country" SELECT g, \'country \' || g FROM generate_series(1, 5) g',
        'INSERT INTO "Project" SELECT g, 1 + g % 3, \'project \' || g, CASE WHEN g % 7 = 0 THEN now() END '
        'FROM generate_series(1, 30) g',
        'INSERT INTO "Alert" SELECT g, 1 + (g % 30) % 3, 1 + g % 30, (ARRAY[\'open\', \'closed\'])[1 + g % 2] '
        'FROM generate_series(1, 3000) g',
        'INSERT INTO "Comment" SELECT g, 1 + ((g % 3000) % 30) % 3, 1 + g % 3000, \'comment \' || g '
        'FROM generate_series(1, 12000) g',
        'INSERT INTO "Invoice" SELECT g, 1 + g % 3, g FROM generate_series(1, 100) g',
        'INSERT INTO "Template" SELECT g, CASE WHEN g > 5 THEN 1 + g % 3 END, \'t\' FROM generate_series(1, 10) g',
        'CREATE INDEX "Project_organizationId_idx" ON "Project" ("organizationId")',
        'CREATE INDEX "Alert_organizationId_status_idx" ON "Alert" ("organizationId", "status")',
        'CREATE INDEX "Comment_alertId_organizationId_idx" ON "Comment" ("alertId", "organizationId")',
        'CREATE INDEX "Invoice_organizationId_partial_idx" ON "Invoice" ("organizationId") WHERE "amount" > 0',
        *_rls_tables(),
        "ANALYZE")
    return db


def _rls_tables() -> list[str]:
    """Secret: RLS on the tenant column, owned by the superuser; OwnedSecret: the same, owned by the
    application's role without FORCE; OpenSecret: RLS whose only policy lets every row through."""
    statements = []
    for table, policy in (("Secret", RLS_POLICY), ("OwnedSecret", RLS_POLICY), ("OpenSecret", "USING (true)")):
        statements += [
            f'CREATE TABLE "{table}" ("id" int PRIMARY KEY, "organizationId" int NOT NULL REFERENCES "Organization", '
            '"body" text NOT NULL)',
            f'INSERT INTO "{table}" SELECT g, 1 + g % 3, \'secret \' || g FROM generate_series(1, 30) g',
            f'CREATE INDEX "{table}_organizationId_idx" ON "{table}" ("organizationId")',
            f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
            f'CREATE POLICY tenant_isolation ON "{table}" {policy}',
            f'GRANT SELECT, UPDATE ON "{table}" TO {APP_ROLE}',
        ]
    return statements + [f'ALTER TABLE "OwnedSecret" OWNER TO {APP_ROLE}']


def ints(*values: int) -> tuple[Int4, ...]:
    """Parameters bound as int4, as an ORM binds an Int field."""
    return tuple(Int4(v) for v in values)


def replay_as(db: TestDatabase, role: str, statement: str, params: Iterable[Sequence[Any]]) -> None:
    """Like `TestDatabase.replay`, as `role` (SET ROLE) in a session whose tenant setting is organization 1."""
    with db.connect() as conn, psycopg.RawCursor(conn) as cursor:
        conn.execute(f"SET ROLE {role}")
        conn.execute("SET app.org = '1'")
        for values in params:
            cursor.execute(statement, list(values))
            if cursor.description is not None:
                cursor.fetchall()


def findings(snapshot: Snapshot, check: str, config: Config | None = None) -> list[Finding]:
    """`check`'s findings on `snapshot` under `config`."""
    return [f for f in run_checks(snapshot, config).findings if f.check == check]


def by_text(found: list[Finding]) -> dict[str, Finding]:
    """Statement findings keyed by statement text (each text is flagged once per table in these tests)."""
    return {f.query.text: f for f in found if f.query is not None}


SCOPED = {
    'SELECT "id" FROM "Alert" WHERE "organizationId" = $1 AND "status" = $2': lambda i: ints(1 + i % 3) + ("open",),
    'SELECT "id" FROM "Alert" WHERE "organizationId" = ANY($1)': lambda i: ([Int4(1), Int4(2)],),
    'SELECT c."body" FROM "Comment" c JOIN "Alert" a ON a."id" = c."alertId" WHERE a."organizationId" = $1 '
    'AND a."id" = $2': lambda i: ints(1, 3 + i),
    'SELECT p."name" FROM "Project" p JOIN "Alert" a ON a."projectId" = p."id" WHERE a."organizationId" = $1 '
    'AND a."id" = $2': lambda i: ints(1, 3 + i),
    'WITH open AS (SELECT "id", "projectId" FROM "Alert" WHERE "organizationId" = $1 AND "status" = $2) '
    'SELECT p."name", count(*) FROM open o JOIN "Project" p ON p."id" = o."projectId" GROUP BY p."name"':
        lambda i: ints(2) + ("open",),
    'SELECT * FROM (SELECT "id" FROM "Alert" WHERE "organizationId" = $1 ORDER BY "id" LIMIT $2) d':
        lambda i: ints(1, 5),
    'SELECT "id" FROM "Alert" WHERE "organizationId" = $1 AND ("status" = $2 OR "status" = $3)':
        lambda i: ints(1) + ("open", "closed"),
    'SELECT "name" FROM "Country" WHERE "id" = $1': lambda i: ints(1 + i % 5),
    'SELECT "id", "name" FROM "Organization" ORDER BY "name"': lambda i: (),
    'UPDATE "Alert" SET "status" = $1 WHERE "id" = $2 AND "organizationId" = $3': lambda i: ("open",) + ints(-1, 1),
}
LEAKING = {  # text → (table flagged, severity, reason of its first reference)
    'SELECT "id" FROM "Alert" WHERE "status" = $1': ("Alert", "high", "missing"),
    'SELECT "id" FROM "Alert" WHERE "organizationId" = $1 AND "status" = $2 OR "id" = $3': ("Alert", "high", "or"),
    'SELECT "id" FROM "Alert" WHERE "organizationId" <> $1 AND "status" = $2': ("Alert", "high", "neq"),
    'SELECT "id" FROM "Alert" WHERE "organizationId" = $1 UNION SELECT "alertId" FROM "Comment" WHERE "body" = $2':
        ("Comment", "high", "missing"),
    'WITH recent AS (SELECT "id" FROM "Comment" ORDER BY "id" DESC LIMIT $1) SELECT * FROM recent':
        ("Comment", "high", "missing"),
    'SELECT "id" FROM "Alert" WHERE "organizationId" = $1 AND "projectId" IN (SELECT "id" FROM "Project" '
    'WHERE "name" = $2)': ("Project", "high", "missing"),
    'UPDATE "Alert" SET "status" = $1 WHERE "id" = $2': ("Alert", "critical", "missing"),
    'DELETE FROM "Comment" WHERE "id" = $1': ("Comment", "critical", "missing"),
}
LEAK_PARAMS = [lambda i: ("open",), lambda i: ints(1) + ("open",) + ints(7), lambda i: ints(1) + ("open",),
               lambda i: ints(1) + ("comment 5",), lambda i: ints(10), lambda i: ints(1) + ("project 4",),
               lambda i: ("open",) + ints(-1), lambda i: ints(-1)]


@pytest.fixture(scope="module")
def workload_snapshot(saas: TestDatabase) -> Snapshot:
    """A scan after every scoped and every leaking statement ran a few times."""
    saas.reset_statements()
    for text, params in SCOPED.items():
        saas.replay(text, (params(i) for i in range(3)))
    for text, params in zip(LEAKING, LEAK_PARAMS):
        saas.replay(text, (params(i) for i in range(3)))
    return run_scan(saas).snapshot


def test_tenant_model_of_the_database(workload_snapshot: Snapshot) -> None:
    """The tenant column is detected, Organization is the root, Country is global; config makes Template global."""
    schema = tenant_schema(workload_snapshot, TenancyConfig())
    assert schema is not None and schema.column == "organizationId"
    assert schema.root == ("public", "Organization") and schema.root_key == "id"
    assert ("public", "Country") not in schema.tables and ("public", "Template") in schema.tables
    configured = tenant_schema(workload_snapshot, TenancyConfig(global_tables=("public.Template", "Invoice")))
    assert configured is not None
    assert ("public", "Template") not in configured.tables and ("public", "Invoice") not in configured.tables


def test_tenant_unfiltered_flags_exactly_the_leaking_statements(workload_snapshot: Snapshot) -> None:
    """Every leaking statement is flagged once, on the right table, at critical for writes and high for
    reads; no scoped statement, global table or root table is."""
    found = by_text(findings(workload_snapshot, "tenant_unfiltered"))
    assert set(found) == set(LEAKING)
    for text, (table, severity, reason) in LEAKING.items():
        finding = found[text]
        assert (finding.object.table, finding.severity) == (table, severity), text
        assert finding.evidence["references"][0]["reason"] == reason
        assert finding.object.columns == ("organizationId",)
        assert finding.query.calls == 3
    update = found['UPDATE "Alert" SET "status" = $1 WHERE "id" = $2']
    assert update.evidence["predicate"] == '"Alert"."organizationId" = $3'
    assert '"Alert"."organizationId" = $3' in update.recommendation
    assert "where: {" not in update.recommendation  # not a Prisma database: no Prisma terms


def test_allow_lists_silence_statements_and_tables(workload_snapshot: Snapshot) -> None:
    """[tenancy] allowed_statements (by text or queryid) and global_tables silence exactly what they name."""
    leaks = by_text(findings(workload_snapshot, "tenant_unfiltered"))
    by_id = leaks['UPDATE "Alert" SET "status" = $1 WHERE "id" = $2'].query.queryid
    config = Config(tenancy=TenancyConfig(global_tables=("Comment",), allowed_statements=(
        f' {next(iter(LEAKING))} ', by_id)))
    remaining = by_text(findings(workload_snapshot, "tenant_unfiltered", config))
    expected = {text for text, (table, _, _) in LEAKING.items() if table != "Comment"} - {
        next(iter(LEAKING)), 'UPDATE "Alert" SET "status" = $1 WHERE "id" = $2'}
    assert set(remaining) == expected
    missing = {f.object.table for f in findings(workload_snapshot, "tenant_index_missing", config)}
    assert "Comment" not in missing


def test_configured_tenant_column_replaces_the_detected_one(workload_snapshot: Snapshot) -> None:
    """With "projectId" as tenant column, Project becomes the root and an Alert read by organization alone leaks."""
    config = Config().with_tenant_column("projectId")
    schema = tenant_schema(workload_snapshot, config.tenancy)
    assert schema is not None and schema.root == ("public", "Project") and schema.tables == {("public", "Alert")}
    found = by_text(findings(workload_snapshot, "tenant_unfiltered", config))
    assert 'SELECT "id" FROM "Alert" WHERE "organizationId" = $1 AND "status" = $2' in found
    assert all(f.evidence["tenant_column"] == "projectId" for f in found.values())


def test_a_configured_tenant_column_no_table_has_is_said_not_silenced(workload_snapshot: Snapshot) -> None:
    """A typo in --tenant-column must not read as a clean bill of health: both tenant checks are listed as not
    run with the reason; the detected column (no configuration) runs them."""
    not_run = run_checks(workload_snapshot, Config().with_tenant_column("organisationId")).not_run
    for check in ("tenant_unfiltered", "tenant_index_missing"):
        assert not_run[check].startswith("no tenant table has the tenant column 'organisationId'"), not_run
    assert not {"tenant_unfiltered", "tenant_index_missing"} & set(run_checks(workload_snapshot).not_run)


def test_row_level_security_is_reported_as_protection(saas: TestDatabase) -> None:
    """Unfiltered reads as the application role: a table whose policy pins the tenant column is info; the
    same table owned by that role without FORCE is high, with the FORCE fix; an open policy protects nothing."""
    texts = {table: f'SELECT "body" FROM "{table}" WHERE "id" = $1'
             for table in ("Secret", "OwnedSecret", "OpenSecret")}
    saas.reset_statements()
    for text in texts.values():
        replay_as(saas, APP_ROLE, text, (ints(i) for i in range(1, 4)))
    snapshot = run_scan(saas).snapshot
    policies = snapshot.frame("policies").set_index("table")
    assert policies.loc["OwnedSecret", "owner"] == APP_ROLE and not policies.loc["OwnedSecret", "rls_forced"]
    assert "current_setting" in policies.loc["Secret", "using_expr"]
    found = by_text(findings(snapshot, "tenant_unfiltered"))
    assert set(found) == set(texts.values())
    protected = found[texts["Secret"]]
    assert protected.severity == "info" and "protected by row-level security" in protected.title
    assert protected.evidence["row_level_security"]["policies"] == ["tenant_isolation"]
    owned = found[texts["OwnedSecret"]]
    assert owned.severity == "high"
    assert owned.fix_sql == 'ALTER TABLE public."OwnedSecret" FORCE ROW LEVEL SECURITY;'
    opened = found[texts["OpenSecret"]]
    assert opened.severity == "high" and "row_level_security" not in opened.evidence


def test_tenant_index_missing(workload_snapshot: Snapshot) -> None:
    """Comment (tenant column only second in its index) is high, Invoice (only a partial index) medium;
    tables with an index leading with the tenant column, the root and global tables are not flagged."""
    found = {f.object.table: f for f in findings(workload_snapshot, "tenant_index_missing")}
    assert set(found) == {"Comment", "Invoice", "Template"}
    assert found["Comment"].severity == "high" and found["Comment"].evidence["rows"] >= 12000
    assert found["Invoice"].severity == "medium"
    assert found["Comment"].fix_sql == \
        'CREATE INDEX CONCURRENTLY "Comment_organizationId_idx" ON public."Comment" ("organizationId");'
    raised = findings(workload_snapshot, "tenant_index_missing",
                      Config(checks={"tenant_index_missing": {"large_rows": 50_000}}))
    assert {f.object.table: f.severity for f in raised}["Comment"] == "medium"


def test_soft_delete_unfiltered(saas: TestDatabase) -> None:
    """A read of Project (it has "deletedAt") without a condition on it is low; with IS NULL or IS NOT NULL
    it is silent, as are tables without the column and writes; the column names are configurable."""
    unfiltered = 'SELECT "id", "name" FROM "Project" WHERE "organizationId" = $1'
    joined = 'SELECT a."id" FROM "Alert" a JOIN "Project" p ON p."id" = a."projectId" WHERE a."organizationId" = $1'
    silent = ['SELECT "id" FROM "Project" WHERE "organizationId" = $1 AND "deletedAt" IS NULL',
              'SELECT "id" FROM "Project" WHERE "organizationId" = $1 AND "deletedAt" IS NOT NULL',
              'SELECT "id" FROM "Alert" WHERE "organizationId" = $1',
              'UPDATE "Project" SET "name" = "name" WHERE "id" = $1 AND "organizationId" = $2']
    saas.reset_statements()
    for text in [unfiltered, joined, *silent[:3]]:
        saas.replay(text, (ints(1 + i) for i in range(3)))
    saas.replay(silent[3], (ints(-1, 1),))
    snapshot = run_scan(saas).snapshot
    found = by_text(findings(snapshot, "soft_delete_unfiltered"))
    assert set(found) == {unfiltered, joined}
    assert found[unfiltered].severity == "low" and found[unfiltered].object.columns == ("deletedAt",)
    assert found[joined].evidence["predicate"] == 'p."deletedAt" IS NULL'
    assert not findings(snapshot, "soft_delete_unfiltered", Config(checks={"soft_delete_unfiltered": {
        "columns": ["archivedAt"]}}))


def test_tenant_column_option_on_the_command_line(capsys: pytest.CaptureFixture[str], saas: TestDatabase) -> None:
    """``pgdiag scan --tenant-column`` reaches the tenant checks."""
    from tests.cli_helpers import invoke

    saas.reset_statements()
    saas.replay('SELECT "id" FROM "Alert" WHERE "projectId" = $1', (ints(1),))
    outcome = invoke(capsys, "scan", "-d", saas.dsn, "--tenant-column", "projectId", "--json", "-")
    assert outcome.code == 0, outcome.err
    document = json.loads(outcome.out)
    missing = [f for f in document["findings"] if f["check"] == "tenant_index_missing"]
    assert [f["object"]["table"] for f in missing] == ["Alert"]
    assert missing[0]["object"]["columns"] == ["projectId"]
