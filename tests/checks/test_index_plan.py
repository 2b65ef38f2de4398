"""One index plan per table (issue 15): the index checks' advice adds up, and applying it converges.

The workload is a Prisma-shaped multi-tenant application: quoted camelCase tables with "organizationId",
foreign keys, a duplicate index pair of which the workload reads one, and unused indexes. What it needs,
counted by hand:

- "Alert": its inbox (tenant + status, newest first) needs an index leading with the tenant column (it
  settles tenant_index_missing and the organizationId foreign key) and serves the lookup by client
  (tenant + client) too, at least twice as cheaply; "clientId" and "assigneeId" are foreign keys no
  index leads with: one index each. Three in all.
- "Comment": its thread by alert needs one index, on "alertId" (an alert has about one comment, so the
  sort column adds nothing; it settles that foreign key); the tenant column, also a foreign key to
  the tenant root, needs one index leading with it. Two in all.
- "Client" and "User" are served already; of Client's duplicate pair the one read is kept.

Five indexes are created, three dropped (the unread duplicate, two unused indexes). After every index fix
is applied and the workload run again, the next scan has no index finding.
"""

from __future__ import annotations

import random
from typing import Iterator

import pytest
from psycopg.types.numeric import Int4

from pgdiag.checks import run_checks
from pgdiag.core.findings import Finding
from pgdiag.render.actions import Wholes, top_actions
from tests.conftest import run_scan
from tests.pg import Backend, TestDatabase, create_database, drop_database, hypopg_available

INDEX_CHECKS = ("missing_index", "missing_fk_index", "tenant_index_missing", "unused_index", "duplicate_index",
                "redundant_index", "invalid_index")
ORGS = 40

SCHEMA = (
    'CREATE TABLE "Organization" (id int PRIMARY KEY, name text NOT NULL)',
    'CREATE TABLE "User" (id int PRIMARY KEY, "organizationId" int NOT NULL REFERENCES "Organization", '
    'email text NOT NULL)',
    'CREATE TABLE "Client" (id int PRIMARY KEY, "organizationId" int NOT NULL REFERENCES "Organization", '
    'name text NOT NULL)',
    'CREATE TABLE "Alert" (id int PRIMARY KEY, "organizationId" int NOT NULL REFERENCES "Organization", '
    '"clientId" int NOT NULL REFERENCES "Client", "assigneeId" int REFERENCES "User", status text NOT NULL, '
    'title text NOT NULL, "createdAt" timestamptz NOT NULL)',
    'CREATE TABLE "Comment" (id int PRIMARY KEY, "organizationId" int NOT NULL REFERENCES "Organization", '
    '"alertId" int NOT NULL REFERENCES "Alert", body text NOT NULL, "createdAt" timestamptz NOT NULL)',
    f'INSERT INTO "Organization" SELECT g, \'org \' || g FROM generate_series(1, {ORGS}) g',
    f'INSERT INTO "User" SELECT g, 1 + g % {ORGS}, \'user\' || g || \'@example.com\' FROM generate_series(1, 4000) g',
    f'INSERT INTO "Client" SELECT g, 1 + g % {ORGS}, \'client \' || g FROM generate_series(1, 8000) g',
    f"INSERT INTO \"Alert\" SELECT g, 1 + g % {ORGS}, 1 + (g * 7) % 8000, CASE WHEN g % 3 = 0 THEN 1 + g % 4000 END, "
    "(ARRAY['open','acknowledged','resolved','resolved'])[1 + g % 4], 'alert ' || g, "
    "now() - (hashint4(g) % 100000) * interval '1 minute' FROM generate_series(1, 150000) g",
    f"INSERT INTO \"Comment\" SELECT g, 1 + g % {ORGS}, 1 + (g * 13) % 150000, 'comment ' || g, "
    "now() - (hashint4(g) % 100000) * interval '1 minute' FROM generate_series(1, 150000) g",
    'CREATE INDEX "User_organizationId_idx" ON "User" ("organizationId")',
    'CREATE INDEX "User_email_idx" ON "User" (email)',
    'CREATE INDEX "Client_organizationId_idx" ON "Client" ("organizationId")',
    'CREATE INDEX "Client_organizationId_idx1" ON "Client" ("organizationId")',
    'CREATE INDEX "Comment_body_idx" ON "Comment" (body)',
    "ANALYZE",
)

INBOX = ('SELECT "id", "title", "status", "createdAt" FROM "public"."Alert" WHERE ("organizationId" = $1 AND '
         '"status" = $2) ORDER BY "createdAt" DESC LIMIT $3 OFFSET $4')
BY_CLIENT = 'SELECT "id", "title" FROM "public"."Alert" WHERE "organizationId" = $1 AND "clientId" = $2'
RESOLVE = 'UPDATE "public"."Alert" SET "status" = $1 WHERE "id" = $2'
THREAD = 'SELECT "id", "body" FROM "public"."Comment" WHERE "alertId" = $1 ORDER BY "createdAt" ASC LIMIT $2'
CLIENTS = 'SELECT "id", "name" FROM "public"."Client" WHERE "organizationId" = $1'
USERS = 'SELECT "id", "email" FROM "public"."User" WHERE "organizationId" = $1'


def run_workload(db: TestDatabase, seed: int) -> None:
    """The application's statements with random parameters, as its ORM sends them."""
    rng = random.Random(seed)
    org = lambda: Int4(rng.randint(1, ORGS))  # noqa: E731
    db.replay(INBOX, ((org(), rng.choice(["open", "acknowledged"]), Int4(20), Int4(0)) for _ in range(40)))
    db.replay(BY_CLIENT, ((org(), Int4(rng.randint(1, 8000))) for _ in range(40)))
    with db.connect() as conn:
        conn.execute("BEGIN")
        for _ in range(20):
            conn.execute(RESOLVE.replace("$1", "%s").replace("$2", "%s"), ("resolved", rng.randint(1, 150000)))
        conn.execute("ROLLBACK")
    db.replay(THREAD, ((Int4(rng.randint(1, 150000)), Int4(50)) for _ in range(40)))
    db.replay(CLIENTS, ((org(),) for _ in range(40)))
    db.replay(USERS, ((org(),) for _ in range(40)))


def index_findings(db: TestDatabase) -> list[Finding]:
    """The index checks' findings of a full scan about this module's tables."""
    ours = {"Organization", "User", "Client", "Alert", "Comment"}
    return [f for f in run_scan(db).checks.findings if f.check in INDEX_CHECKS and f.object.table in ours]


@pytest.fixture(scope="module")
def app(backend: Backend) -> Iterator[TestDatabase]:
    """The application's database with its workload recorded."""
    db = create_database(backend, "t_index_plan")
    hypopg_available(db)
    db.execute(*SCHEMA)
    db.reset_statements()
    run_workload(db, 1)
    yield db
    drop_database(db)


def described(findings: list[Finding]) -> list[tuple]:
    """Findings as (check, table, index, columns, settled) for assertion messages."""
    return [(f.check, f.object.table, f.object.index, f.object.columns, f.settled_by is not None) for f in findings]


def test_advice_is_one_plan_per_table_and_converges(app: TestDatabase) -> None:
    """Every index fix applied, the workload run again: no index finding left, five indexes created."""
    findings = index_findings(app)
    fixes = [f for f in findings if f.fix_sql]
    creates = [line for f in fixes for line in f.fix_sql.splitlines() if line.startswith("CREATE INDEX")]
    drops = [line for f in fixes for line in f.fix_sql.splitlines() if line.startswith("DROP INDEX")]
    assert len(creates) == 5, described(findings)
    assert len(set(creates)) == 5 and len(drops) == 3, described(findings)
    assert {'DROP INDEX CONCURRENTLY public."User_email_idx";',
            'DROP INDEX CONCURRENTLY public."Comment_body_idx";'} < set(drops), drops
    with app.connect() as conn:  # of the duplicate pair, the one the workload reads is kept
        kept = conn.execute("SELECT indexrelname FROM pg_stat_user_indexes WHERE relname = 'Client' "
                            "AND indexrelname LIKE 'Client_organizationId_idx%' AND idx_scan > 0").fetchall()
    assert len(kept) == 1 and not any(kept[0][0] + '";' in line for line in drops), (kept, drops)
    fingerprints = {f.fingerprint: f for f in findings}
    for settled in (f for f in findings if f.settled_by):
        assert settled.fix_sql is None and settled.fingerprint in fingerprints[settled.settled_by].evidence["settles"]
    settled_checks = {(f.check, f.object.table, f.object.columns) for f in findings if f.settled_by}
    assert {("missing_fk_index", "Comment", ("alertId",)), ("missing_fk_index", "Alert", ("organizationId",)),
            ("tenant_index_missing", "Alert", ("organizationId",)),
            ("missing_fk_index", "Comment", ("organizationId",))} <= settled_checks, described(findings)
    top = top_actions(findings, Wholes(1.0, 1.0, 1.0), limit=len(findings))
    assert not any(action.finding.settled_by for action in top)

    with app.connect() as conn:
        for line in creates + drops:
            conn.execute(line)
    app.execute("ANALYZE")
    run_workload(app, 2)
    app.wait_until("SELECT count(*) >= 2 FROM pg_stat_user_indexes WHERE relname IN ('Alert', 'Comment') "
                   "AND indexrelname NOT LIKE '%pkey' AND idx_scan > 0")  # the statistics reach the scan
    assert index_findings(app) == []


def test_unused_index_kept_when_it_alone_serves_a_foreign_key(backend: Backend) -> None:
    """Of unscanned indexes leading with a foreign key's columns, the narrowest is never advised for removal."""
    db = create_database(backend, "t_index_plan_fk")
    try:
        db.execute("CREATE TABLE parent (id int PRIMARY KEY)",
                   "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent, note text)",
                   "INSERT INTO parent SELECT g FROM generate_series(1, 100) g",
                   "INSERT INTO child SELECT g, 1 + g % 100, 'n' || g FROM generate_series(1, 20000) g",
                   "CREATE INDEX child_parent_idx ON child (parent_id)", "ANALYZE")
        unused = [f for f in run_checks(run_scan(db).snapshot).findings if f.check == "unused_index"]
        assert [f.object.index for f in unused if f.object.table == "child"] == []
        db.execute("CREATE INDEX child_parent_note_idx ON child (parent_id, note)")
        unused = [f for f in run_checks(run_scan(db).snapshot).findings if f.check == "unused_index"]
        assert [f.object.index for f in unused if f.object.table == "child"] == ["child_parent_note_idx"]
    finally:
        drop_database(db)


def test_merge_target_is_read_through_its_join_key() -> None:
    """MERGE looks up its target by the ON condition: the target's key is an index candidate (no database needed:
    this is the statement model)."""
    from pgdiag.advice.access import table_accesses
    from pgdiag.sql import analyze
    from pgdiag.sql.workload import StatementRef, WorkloadStatement

    text = 'MERGE INTO "Stock" t USING "Delivery" d ON t."sku" = d."sku" WHEN MATCHED THEN UPDATE SET "qty" = d."qty"'
    statement = analyze(text, ("public",)).statement
    assert statement is not None
    item = WorkloadStatement(StatementRef(None, text, 0, 1, 1.0, 1, 1), statement)
    assert ("Stock", ("sku",)) in [(a.table, a.equality) for a in table_accesses(item)]


def test_acceptance_weighs_time_saved_against_upkeep() -> None:
    """The acceptance rule on its own (no database: plain figures): the cost must halve, and the time saved per
    second must cover the index entries written per second."""
    from pgdiag.advice.acceptance import ENTRY_MS, Upkeep, accepted
    from pgdiag.advice.costing import StatementCost
    from pgdiag.sql.workload import StatementRef

    statement = StatementRef("1", "SELECT 1", 0, calls=100, total_ms=1000.0, rows=100, blocks=0)
    halved, third = StatementCost(statement, 100.0, 50.0, True), StatementCost(statement, 100.0, 70.0, True)
    unused = StatementCost(statement, 100.0, 1.0, False)
    assert accepted([halved, third, unused], 2.0, None) == [halved]
    # 500 ms saved over 1,000 s: 0.5 ms/s; writing one entry per second costs ENTRY_MS ms/s
    assert accepted([halved], 2.0, Upkeep(entries_per_s=0.5 / ENTRY_MS * 0.9, statements_s=1000.0)) == [halved]
    assert accepted([halved], 2.0, Upkeep(entries_per_s=0.5 / ENTRY_MS * 1.1, statements_s=1000.0)) == []
