"""Plan insights on real plans: each made to fire on purpose (stale statistics, a small work_mem, no
parallel workers…) and each pointing at the node it is about."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pgdiag.config.loader import load
from pgdiag.core.errors import ConfigError
from pgdiag.core.findings import Finding
from pgdiag.db.dsn import parse
from pgdiag.explain.insights import registry as insights
from pgdiag.explain.profile import ExplainOptions, Profile, profile
from tests.explain.helpers import findings, profile_of, with_settings
from tests.pg import TestDatabase

DOCS = Path(__file__).resolve().parents[2] / "docs" / "explain.md"
SERIAL = {"max_parallel_workers_per_gather": "0"}
JOINED = 8  # tables in the statement whose planning outweighs its execution


@pytest.fixture(scope="module")
def data(db: TestDatabase) -> TestDatabase:
    """Tables with stale statistics, a wide table, a never-vacuumed table, empty tables to join, tenants."""
    db.execute(
        "CREATE TABLE customers (id int PRIMARY KEY, region text NOT NULL)",
        "INSERT INTO customers SELECT g, CASE WHEN g = 7 THEN 'north' ELSE (ARRAY['south','east','west'])[1 + g % 3] "
        "END FROM generate_series(1, 1000) g",
        "CREATE TABLE orders (id int NOT NULL, customer_id int NOT NULL, total numeric NOT NULL) "
        "WITH (autovacuum_enabled = false)",
        "INSERT INTO orders SELECT g, 1 + g % 1000, g % 97 FROM generate_series(1, 100000) g",
        "ANALYZE customers", "ANALYZE orders",
        # Statistics go stale: customer 7 (the only one in the north) gets 100,000 more orders, never analysed.
        "INSERT INTO orders SELECT g, 7, g % 97 FROM generate_series(100001, 200000) g",
        "CREATE TABLE wide (id int NOT NULL, k int NOT NULL, filler text NOT NULL)",
        "INSERT INTO wide SELECT g, g % 100, repeat('x', 200) FROM generate_series(1, 200000) g",
        "CREATE INDEX wide_k ON wide (k)",
        "VACUUM ANALYZE wide",
        "CREATE TABLE unvacuumed (id int NOT NULL, k int NOT NULL) WITH (autovacuum_enabled = false)",
        "INSERT INTO unvacuumed SELECT g, g % 10 FROM generate_series(1, 100000) g",
        "CREATE INDEX unvacuumed_k_id ON unvacuumed (k, id)",
        "ANALYZE unvacuumed",
        *[f"CREATE TABLE e{i} (id int PRIMARY KEY, a int, b int)" for i in range(1, JOINED + 1)],
        *[f"CREATE INDEX ON e{i} (a)" for i in range(1, JOINED + 1)],
        *[f"CREATE INDEX ON e{i} (b)" for i in range(1, JOINED + 1)],
        'CREATE TABLE "Organization" (id int PRIMARY KEY)',
        'CREATE TABLE "Project" (id int PRIMARY KEY, "organizationId" int NOT NULL REFERENCES "Organization")',
        'CREATE TABLE "Task" (id int PRIMARY KEY, "organizationId" int NOT NULL REFERENCES "Organization", '
        '"projectId" int NOT NULL REFERENCES "Project", title text NOT NULL)',
        'INSERT INTO "Organization" SELECT g FROM generate_series(1, 10) g',
        'INSERT INTO "Project" SELECT g, 1 + g % 10 FROM generate_series(1, 100) g',
        'INSERT INTO "Task" SELECT g, 1 + (g % 100) % 10, 1 + g % 100, \'task \' || g FROM generate_series(1, 5000) g',
        'ANALYZE "Organization"', 'ANALYZE "Project"', 'ANALYZE "Task"',
    )
    return db


def node_of(result: Profile, finding: Finding):
    """The plan node a finding points at."""
    return result.plan.node(finding.evidence["node"])


def test_misestimated_join_from_stale_statistics(data: TestDatabase) -> None:
    """Statistics say customer 7 has 100 orders; it has 100,100. The join is flagged with its factor, the
    scans below it (estimated right) are not, and the fix is ANALYZE of the tables."""
    result = profile_of(data, "SELECT count(*) FROM customers c JOIN orders o ON o.customer_id = c.id "
                              "WHERE c.region = 'north'", **SERIAL)
    found = findings(result, "plan_misestimate")
    joins = [f for f in found if "Join" in node_of(result, f).node_type or node_of(result, f).node_type == "Nested Loop"]
    assert len(joins) == 1, [(f.title, f.evidence) for f in found]
    [join] = joins
    node = node_of(result, join)
    assert node.rows_actual == 100_100
    assert join.evidence["direction"] == "under"
    assert join.evidence["factor"] == pytest.approx(100_100 / node.rows_planned, rel=0.01)
    assert join.evidence["factor"] > 100 and join.severity in ("medium", "high")
    assert f"{join.evidence['factor']:,.0f}×" in join.title
    assert "ANALYZE public.customers;" in join.fix_sql and "ANALYZE public.orders;" in join.fix_sql
    assert not any(node_of(result, f).relation for f in found), "the scans were estimated right"


def test_sort_spilling_to_disk_under_small_work_mem(data: TestDatabase) -> None:
    result = profile_of(data, "SELECT * FROM orders ORDER BY total, id", work_mem="64kB", **SERIAL)
    [spill] = findings(result, "plan_sort_spill")
    node = node_of(result, spill)
    assert node.node_type == "Sort" and node.raw["Sort Space Type"] == "Disk"
    assert spill.evidence["sort_method"].startswith("external") and spill.evidence["work_mem"] == "64kB"
    assert spill.severity == "medium" and "work_mem" in spill.recommendation
    roomy = profile_of(data, "SELECT * FROM orders ORDER BY total, id", work_mem="256MB", **SERIAL)
    assert findings(roomy, "plan_sort_spill") == []


def test_hash_join_in_batches(data: TestDatabase) -> None:
    result = profile_of(data, "SELECT count(*) FROM orders a JOIN orders b ON a.id = b.id", work_mem="64kB",
                        enable_mergejoin="off", **SERIAL)
    [batches] = findings(result, "plan_hash_batches")
    assert node_of(result, batches).node_type == "Hash" and batches.evidence["hash_batches"] > 1


def test_lossy_bitmap(data: TestDatabase) -> None:
    result = profile_of(data, "SELECT count(*) FROM wide WHERE k < 50", work_mem="64kB", enable_seqscan="off",
                        enable_indexscan="off", enable_indexonlyscan="off", **SERIAL)
    [lossy] = findings(result, "plan_lossy_bitmap")
    assert node_of(result, lossy).node_type == "Bitmap Heap Scan"
    assert lossy.evidence["lossy_heap_blocks"] > 0


def test_heap_fetches_on_an_unvacuumed_table(data: TestDatabase) -> None:
    result = profile_of(data, "SELECT k, id FROM unvacuumed WHERE k = 3", enable_seqscan="off",
                        enable_bitmapscan="off", **SERIAL)
    [fetches] = findings(result, "plan_heap_fetches")
    assert node_of(result, fetches).node_type == "Index Only Scan"
    assert fetches.evidence["heap_fetches"] == 10_000 and fetches.severity == "medium"
    assert fetches.fix_sql == "VACUUM public.unvacuumed;"


def test_workers_planned_but_not_launched(data: TestDatabase) -> None:
    result = profile_of(data, "SELECT count(*) FROM orders WHERE total > 5", max_parallel_workers="0",
                        parallel_setup_cost="0", parallel_tuple_cost="0", min_parallel_table_scan_size="0")
    [workers] = findings(result, "plan_workers_not_launched")
    assert node_of(result, workers).node_type in ("Gather", "Gather Merge")
    assert workers.evidence["workers_launched"] == 0 and workers.evidence["workers_planned"] >= 1
    assert workers.severity == "medium"


def test_planning_longer_than_execution(data: TestDatabase) -> None:
    """Eight empty tables joined: the planner weighs many join orders, the executor finds nothing."""
    joins = " ".join(f"JOIN e{i} ON e{i}.a = e{i - 1}.id AND e{i}.b = e1.b" for i in range(2, JOINED + 1))
    result = profile_of(data, f"SELECT * FROM e1 {joins}")
    [planning] = findings(result, "plan_planning_time")
    assert planning.evidence["planning_ms"] > planning.evidence["execution_ms"]
    assert "node" not in planning.evidence


def test_jit_share(data: TestDatabase) -> None:
    with data.connect() as conn:
        if not conn.execute("SELECT pg_jit_available()").fetchone()[0]:
            pytest.skip("this server build has no JIT (LLVM)")
    result = profile_of(data, "SELECT sum(total), count(*) FROM orders WHERE id < 10", jit="on",
                        jit_above_cost="0", jit_inline_above_cost="0", jit_optimize_above_cost="0", **SERIAL)
    [jit] = findings(result, "plan_jit")
    assert jit.evidence["jit_ms"] > 0 and jit.evidence["share_percent"] > 10


def test_nested_loop_after_an_under_estimate(data: TestDatabase) -> None:
    """``o.id > 100000`` is beyond the stale histogram: the planner expects a handful of orders, loops 100,000."""
    result = profile_of(data, "SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id "
                              "WHERE o.id > 100000", enable_hashjoin="off", enable_mergejoin="off", **SERIAL)
    [loop] = findings(result, "plan_nested_loop")
    assert node_of(result, loop).node_type == "Nested Loop"
    assert loop.evidence["inner_loops"] == 100_000 and loop.evidence["factor"] >= 10


def test_node_time_share_levels(data: TestDatabase) -> None:
    """The big scan takes most of the time; its severity follows the documented 10/40/90 % levels."""
    result = profile_of(data, "SELECT count(*) FROM orders WHERE total = 1", **SERIAL)
    found = findings(result, "plan_node_time")
    assert found
    for finding in found:
        share = node_of(result, finding).share
        expected = "high" if share > 90 else "medium" if share > 40 else "low"
        assert finding.severity == expected and share > 10 and finding.evidence["own_ms"] >= 1.0
    assert node_of(result, found[0]).relation == "orders"


def test_insight_thresholds_come_from_pgdiag_toml(data: TestDatabase, tmp_path: Path) -> None:
    """Plan insights are configured like checks: [checks.plan_*] moves a level or switches one off, and a typo
    in a threshold name is a config error, not a silent default."""
    config = tmp_path / "pgdiag.toml"
    config.write_text("[checks.plan_rows_removed]\nmedium_percent = 99.99\n[checks.plan_node_time]\nenabled = false\n")
    result = profile(parse(with_settings(data.dsn, **SERIAL)), text="SELECT count(*) FROM orders WHERE total = 1",
                     config=load(config))
    [removed] = findings(result, "plan_rows_removed")
    assert removed.severity == "low" and removed.evidence["removed_percent"] < 99.99
    assert findings(result, "plan_node_time") == []
    config.write_text("[checks.plan_rows_removed]\nmedium_precent = 95\n")
    with pytest.raises(ConfigError, match="'plan_rows_removed' has no option 'medium_precent'"):
        load(config)


def test_rows_removed_by_filter(data: TestDatabase) -> None:
    result = profile_of(data, "SELECT count(*) FROM orders WHERE total = 1", **SERIAL)
    [removed] = findings(result, "plan_rows_removed")
    assert node_of(result, removed).relation == "orders"
    assert removed.evidence["removed_percent"] > 90 and removed.severity == "medium"
    assert removed.evidence["rows_read"] == 200_000


@pytest.mark.parametrize(("statement", "severity"), [
    ('SELECT title FROM "Task" WHERE "projectId" = 5', "medium"),
    ('SELECT t.title FROM "Task" t JOIN "Project" p ON p.id = t."projectId" WHERE p.id = 5', "medium"),
    ('DELETE FROM "Task" WHERE "projectId" = 5', "high"),
    ('SELECT title FROM "Task" WHERE "organizationId" = 3 AND "projectId" = 5', None),
    ('SELECT t.title FROM "Task" t JOIN "Project" p ON p.id = t."projectId" WHERE p."organizationId" = 3', None),
    ('SELECT title FROM "Task" WHERE "organizationId" = 3 OR "projectId" = 5', "medium"),
])
def test_tenant_table_without_tenant_predicate(data: TestDatabase, statement: str, severity: str | None) -> None:
    """Task has the tenant column: scoped directly, or through its foreign key to a scoped Project."""
    result = profile_of(data, statement, ExplainOptions(analyze=False))
    found = [f for f in findings(result, "plan_tenant_unfiltered") if f.object.table == "Task"]
    if severity is None:
        assert found == []
        return
    [finding] = found
    assert finding.severity == severity and finding.object.columns == ("organizationId",)
    assert node_of(result, finding).relation == "Task"


def test_every_insight_is_documented() -> None:
    """Each insight has a docstring (its documentation) and a section in docs/explain.md."""
    docs = DOCS.read_text(encoding="utf-8")
    for insight_id, registered in insights().items():
        assert registered.documentation().strip(), insight_id
        assert re.search(rf"`{insight_id}`", docs), f"{insight_id} is not in docs/explain.md"
