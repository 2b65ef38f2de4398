"""Fix SQL for partitioned tables runs: no CONCURRENTLY (PostgreSQL refuses it on a partitioned table), and no
primary key that leaves out the partition key."""

from __future__ import annotations

from tests.conftest import run_scan
from tests.pg import TestDatabase


def test_fixes_on_a_partitioned_table_are_accepted_by_postgresql(db: TestDatabase) -> None:
    db.execute(
        'CREATE TABLE "Organization" (id int PRIMARY KEY)',
        'CREATE TABLE "Event" (id int NOT NULL, "organizationId" int NOT NULL REFERENCES "Organization", '
        "day date NOT NULL) PARTITION BY RANGE (day)",
        "CREATE TABLE \"Event_2026\" PARTITION OF \"Event\" FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
        "CREATE TABLE \"Event_2027\" PARTITION OF \"Event\" FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')",
        'INSERT INTO "Organization" SELECT g FROM generate_series(1, 10) g',
        "INSERT INTO \"Event\" SELECT g, 1 + g % 10, date '2026-01-01' + g % 700 FROM generate_series(1, 20000) g",
        "ANALYZE")
    findings = [f for f in run_scan(db).checks.findings if f.object is not None and f.object.table == "Event"]
    by_check = {f.check: f for f in findings}
    assert {"missing_fk_index", "tenant_index_missing", "no_primary_key"} <= set(by_check), sorted(by_check)
    assert by_check["no_primary_key"].fix_sql is None
    assert "partition key" in by_check["no_primary_key"].recommendation
    # one index settles both: the tenant column is also the foreign key to the tenant root
    assert by_check["missing_fk_index"].settled_by == by_check["tenant_index_missing"].fingerprint
    assert by_check["missing_fk_index"].fix_sql is None
    for check in ("tenant_index_missing",):
        fix = by_check[check].fix_sql
        assert fix is not None and "CONCURRENTLY" not in fix
        db.execute(fix)  # PostgreSQL accepts it (and builds it on every partition)
        db.execute(f'DROP INDEX {fix.split(" ON ")[0].split()[-1]}')
