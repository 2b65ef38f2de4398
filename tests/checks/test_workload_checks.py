"""n_plus_one, unpaginated and large_offset on a real workload recorded by pg_stat_statements.

Each test replays statements with server-bound ``$n`` parameters (as an ORM sends them), then
scans through pgdiag's own session and looks at which statement texts each check flagged.
"""

from __future__ import annotations

import random

import pytest
from psycopg.types.numeric import Int4

from pgdiag.checks import run_checks
from tests.conftest import run_scan
from tests.pg import TestDatabase

ORGS, CUSTOMERS, ORDERS = 20, 5000, 100_000


@pytest.fixture(scope="module")
def shop(db: TestDatabase) -> TestDatabase:
    """A small multi-tenant shop: 20 organizations, 5,000 customers, 100,000 orders (ids in time order)."""
    db.execute(
        'CREATE TABLE "Organization" ("id" int PRIMARY KEY, "name" text NOT NULL)',
        'CREATE TABLE "Customer" ("id" int PRIMARY KEY, "organizationId" int NOT NULL REFERENCES "Organization", '
        '"name" text NOT NULL, "deletedAt" timestamptz)',
        'CREATE TABLE "Order" ("id" int PRIMARY KEY, "organizationId" int NOT NULL REFERENCES "Organization", '
        '"customerId" int NOT NULL REFERENCES "Customer", "total" numeric NOT NULL, "createdAt" timestamptz NOT NULL)',
        f'INSERT INTO "Organization" SELECT g, \'org \' || g FROM generate_series(1, {ORGS}) g',
        f'INSERT INTO "Customer" SELECT g, 1 + g % {ORGS}, \'customer \' || g, NULL FROM generate_series(1, {CUSTOMERS}) g',
        f'INSERT INTO "Order" SELECT g, 1 + (g % {CUSTOMERS}) % {ORGS}, 1 + g % {CUSTOMERS}, g % 997, '
        f"now() - (hashint4(g) % 1000000) * interval '1 minute' FROM generate_series(1, {ORDERS}) g",
        'CREATE INDEX "Order_customerId_idx" ON "Order" ("customerId")',
        'CREATE INDEX "Order_organizationId_createdAt_idx" ON "Order" ("organizationId", "createdAt")',
        'CREATE INDEX "Customer_organizationId_idx" ON "Customer" ("organizationId")',
        "ANALYZE")
    return db


def flagged(db: TestDatabase, check: str) -> dict[str, object]:
    """Scan and return `check`'s findings keyed by the statement text they are about."""
    findings = run_checks(run_scan(db).snapshot).findings
    return {f.query.text: f for f in findings if f.check == check}


def ints(*values: int) -> tuple[Int4, ...]:
    """Parameters bound as int4, as an ORM binds an Int field."""
    return tuple(Int4(v) for v in values)


def test_n_plus_one_flags_only_looped_key_lookups(shop: TestDatabase) -> None:
    """≥1000 single-key lookups by FK (tenant filter beside it) fire; fewer calls, batched or non-key lookups do not."""
    rng = random.Random(1)
    looped = 'SELECT "id", "total" FROM "public"."Order" WHERE "customerId" = $1 AND "organizationId" = $2'
    few = 'SELECT "id", "name" FROM "public"."Customer" WHERE "id" = $1'
    batched = 'SELECT "id", "total" FROM "public"."Order" WHERE "customerId" = ANY($1)'
    by_name = 'SELECT "id" FROM "public"."Customer" WHERE "name" = $1'
    shop.reset_statements()
    customers = [rng.randint(1, CUSTOMERS) for _ in range(1200)]
    shop.replay(looped, (ints(c, 1 + c % ORGS) for c in customers))
    shop.replay(few, (ints(c) for c in customers[:900]))
    shop.replay(batched, ([[Int4(c) for c in customers[i:i + 3]]] for i in range(1200)))
    shop.replay(by_name, ((f"customer {c}",) for c in customers))

    found = flagged(shop, "n_plus_one")
    assert set(found) == {looped}
    finding = found[looped]
    assert finding.object.table == "Order" and finding.object.columns == ("customerId",)
    assert finding.evidence["calls"] == 1200 and finding.evidence["rows_per_call"] <= 20
    assert "= ANY($1)" in finding.recommendation


def test_n_plus_one_threshold_is_configurable(shop: TestDatabase) -> None:
    """With min_calls raised above the calls made, the same loop is not reported."""
    from pgdiag.config.model import Config

    looped = 'SELECT "id" FROM "public"."Order" WHERE "customerId" = $1'
    shop.reset_statements()
    shop.replay(looped, (ints(1 + i % CUSTOMERS) for i in range(1100)))
    snapshot = run_scan(shop).snapshot
    assert [f for f in run_checks(snapshot).findings if f.check == "n_plus_one"]
    config = Config(checks={"n_plus_one": {"min_calls": 2000}})
    assert not [f for f in run_checks(snapshot, config).findings if f.check == "n_plus_one"]


def test_n_plus_one_honours_the_configured_tenant_column(shop: TestDatabase) -> None:
    """A lookup by id beside a filter on the configured tenant column is N+1; with the column detected
    (organizationId), the second filter makes it a two-column lookup, not a point lookup."""
    from pgdiag.config.model import Config
    from pgdiag.tenant.config import TenancyConfig

    looped = 'SELECT "id", "total" FROM "public"."Order" WHERE "id" = $1 AND "customerId" = $2'
    shop.reset_statements()
    shop.replay(looped, (ints(1 + i, 1 + (1 + i) % CUSTOMERS) for i in range(1100)))
    snapshot = run_scan(shop).snapshot
    assert not [f for f in run_checks(snapshot).findings if f.check == "n_plus_one"]
    config = Config(tenancy=TenancyConfig(tenant_column="customerId"))
    [finding] = [f for f in run_checks(snapshot, config).findings if f.check == "n_plus_one"]
    assert finding.object.columns == ("id",)


def test_unpaginated_flags_large_unlimited_reads_only(shop: TestDatabase) -> None:
    """250 rows per call without LIMIT fires; the same read with LIMIT, and a small unlimited read, do not."""
    unlimited = 'SELECT "id", "name" FROM "public"."Customer" WHERE "organizationId" = $1'
    limited = 'SELECT "id", "name" FROM "public"."Customer" WHERE "organizationId" = $1 ORDER BY "id" LIMIT $2'
    small = 'SELECT "id", "name" FROM "public"."Customer" WHERE "id" = $1'
    shop.reset_statements()
    shop.replay(unlimited, (ints(1 + i % ORGS) for i in range(10)))
    shop.replay(limited, (ints(1 + i % ORGS, 1000) for i in range(10)))
    shop.replay(small, (ints(1 + i) for i in range(10)))

    found = flagged(shop, "unpaginated")
    assert set(found) == {unlimited}
    assert found[unlimited].evidence["rows_per_call"] == CUSTOMERS / ORGS
    assert found[unlimited].severity == "low"


def test_large_offset_inferred_from_work_per_call(shop: TestDatabase) -> None:
    """OFFSET 3000/5000 through an index that serves the order fires (correlated and uncorrelated sort
    columns); the same pages at OFFSET 0, and an offset query no index serves, do not."""
    deep = ('SELECT "id", "total" FROM "public"."Order" WHERE "organizationId" = $1 '
            'ORDER BY "createdAt" DESC LIMIT $2 OFFSET $3')
    deep_by_id = 'SELECT "id" FROM "public"."Order" ORDER BY "id" LIMIT $1 OFFSET $2'
    shallow = ('SELECT "id", "createdAt" FROM "public"."Order" WHERE "organizationId" = $1 '
               'ORDER BY "createdAt" DESC LIMIT $2 OFFSET $3')
    unserved = 'SELECT "id" FROM "public"."Order" WHERE "total" = $1 ORDER BY "createdAt" LIMIT $2 OFFSET $3'
    shop.reset_statements()
    shop.replay(deep, (ints(1 + i % ORGS, 20, 3000) for i in range(20)))
    shop.replay(deep_by_id, (ints(20, 5000) for _ in range(20)))
    shop.replay(shallow, (ints(1 + i % ORGS, 20, 0) for i in range(20)))
    shop.replay(unserved, (ints(7, 20, 0) for _ in range(5)))

    found = flagged(shop, "large_offset")
    assert set(found) == {deep, deep_by_id}
    for text, offset in ((deep, 3000), (deep_by_id, 5000)):
        evidence = found[text].evidence
        assert evidence["inferred"] is True
        assert offset / 3 <= evidence["offset"] <= offset * 3, evidence
        assert "cursor" not in found[text].recommendation  # not a Prisma database: no Prisma terms


def test_large_offset_never_skips_more_rows_than_the_table_holds(shop: TestDatabase) -> None:
    """OFFSET 2,000–5,000 pages over a 10,000-row table ordered by an uncorrelated column (each row a heap visit,
    so buffers overstate rows): the finding fires, its figure is at most the table's rows, and it says its basis."""
    shop.execute('CREATE TABLE "Event" ("id" int PRIMARY KEY, "at" timestamptz NOT NULL, "body" text NOT NULL)',
                 "INSERT INTO \"Event\" SELECT g, now() - (hashint4(g) % 100000) * interval '1 minute', "
                 "repeat('x', 200) FROM generate_series(1, 10000) g",
                 'CREATE INDEX "Event_at_idx" ON "Event" ("at")', 'ANALYZE "Event"')
    pages = 'SELECT "id", "body" FROM "public"."Event" ORDER BY "at" LIMIT $1 OFFSET $2'
    shop.reset_statements()
    shop.replay(pages, (ints(50, offset) for offset in range(2000, 5001, 250)))
    finding = flagged(shop, "large_offset")[pages]
    evidence = finding.evidence
    assert evidence["inferred"] is True and evidence["table_rows"] == 10000
    assert 1000 <= evidence["offset"] <= 10000, evidence
    assert "10,000 rows" in evidence["detail"] and "buffers" in evidence["detail"]
