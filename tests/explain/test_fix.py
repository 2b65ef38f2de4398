"""The index that fixes the plan (issue #6, must show): a tenant + status filtered, date-sorted query on a
large table gets a rows-removed insight on its Seq Scan and a missing_index on (tenant, status, date)
whose what-if cost is at least 10× lower — proven by hypopg on PostgreSQL 15, estimated where hypopg is
missing."""

from __future__ import annotations

import pytest

from pgdiag.explain.plan import build_plan
from pgdiag.explain.profile import ExplainOptions
from tests.explain.helpers import findings, profile_of
from tests.pg import TestDatabase, hypopg_available

INBOX = ('SELECT "id", "title" FROM "Ticket" WHERE "organizationId" = 7 AND "status" = \'open\' '
         'ORDER BY "createdAt" DESC LIMIT 20')
INDEX = ("organizationId", "status", "createdAt")
SERIAL = {"max_parallel_workers_per_gather": "0"}


@pytest.fixture(scope="module")
def tickets(db: TestDatabase) -> tuple[TestDatabase, bool]:
    """200,000 tickets of 50 tenants, four statuses, no index but the primary key."""
    with_hypopg = hypopg_available(db)
    db.execute(
        'CREATE TABLE "Organization" ("id" int PRIMARY KEY)',
        'CREATE TABLE "Ticket" ("id" int PRIMARY KEY, "organizationId" int NOT NULL REFERENCES "Organization", '
        '"status" text NOT NULL, "title" text NOT NULL, "createdAt" timestamptz NOT NULL)',
        'INSERT INTO "Organization" SELECT g FROM generate_series(1, 50) g',
        "INSERT INTO \"Ticket\" SELECT g, 1 + g % 50, (ARRAY['open','pending','closed','closed'])[1 + g % 4], "
        "'ticket ' || g, now() - (hashint4(g) % 100000) * interval '1 minute' FROM generate_series(1, 200000) g",
        "VACUUM ANALYZE")
    return db, with_hypopg


@pytest.mark.parametrize("analyze", [True, False], ids=["analyze", "no-analyze"])
def test_tenant_status_date_query_gets_its_index(tickets: tuple[TestDatabase, bool], analyze: bool) -> None:
    db, with_hypopg = tickets
    result = profile_of(db, INBOX, ExplainOptions(analyze=analyze), **SERIAL)
    [fix] = findings(result, "missing_index")
    assert fix.object.table == "Ticket" and fix.object.columns == INDEX
    assert fix.evidence["cost_before"] >= 10 * fix.evidence["cost_after"]
    assert fix.evidence["validated"] is with_hypopg
    assert fix.fix_sql == ('CREATE INDEX CONCURRENTLY "Ticket_organizationId_status_createdAt_idx" '
                           'ON public."Ticket" ("organizationId", status, "createdAt");')
    scan = result.plan.node(fix.evidence["node"])
    assert scan.node_type == "Seq Scan" and scan.relation == "Ticket"
    if with_hypopg:
        assert fix.severity == "high" and "hypothetical index (hypopg)" in fix.recommendation
        after = build_plan({"Plan": fix.evidence["plan_after"]})
        assert any(n.relation == "Ticket" and n.index and "organizationId" in n.index for n in after.nodes)
        assert float(fix.evidence["plan_after"]["Total Cost"]) == pytest.approx(fix.evidence["cost_after"])
    else:
        assert fix.severity == "medium" and "install hypopg" in fix.recommendation
        assert fix.evidence["plan_after"] is None
    if analyze:
        [removed] = findings(result, "plan_rows_removed")
        assert removed.evidence["node"] == scan.id and removed.evidence["removed_percent"] > 90
        assert removed.fix_sql == fix.fix_sql and "proposed below" in removed.recommendation


def test_with_the_index_there_is_nothing_to_fix(tickets: tuple[TestDatabase, bool]) -> None:
    """Once the advised index exists the plan uses it: no rows-removed insight, no index advice."""
    db, _ = tickets
    db.execute('CREATE INDEX "Ticket_fix" ON "Ticket" ("organizationId", "status", "createdAt")')
    try:
        result = profile_of(db, INBOX, **SERIAL)
        assert findings(result, "missing_index") == []
        assert findings(result, "plan_rows_removed") == []
        assert any(n.index == "Ticket_fix" for n in result.plan.nodes)
    finally:
        db.execute('DROP INDEX "Ticket_fix"')


def test_a_cheap_query_gets_no_index(tickets: tuple[TestDatabase, bool]) -> None:
    """The primary key already serves a lookup by id: nothing is proposed."""
    db, _ = tickets
    result = profile_of(db, 'SELECT "title" FROM "Ticket" WHERE "id" = 42', **SERIAL)
    assert findings(result, "missing_index") == []
