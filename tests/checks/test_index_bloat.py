"""index_bloat on real b-trees: the estimate of a freshly built index is close to its real size, and an index
emptied by a mass delete (its pages kept) is reported with the REINDEX CONCURRENTLY fix, which settles it."""

from __future__ import annotations

from pgdiag.checks import run_checks
from pgdiag.checks.index_bloat import expected_pages
from pgdiag.config.model import Config
from pgdiag.core.findings import Finding
from tests.conftest import run_scan
from tests.pg import TestDatabase as Database

LOW = {"min_mb": 1}


def bloat_findings(db: Database, index: str, **overrides: object) -> list[Finding]:
    """Scan `db`; index_bloat's findings about `index` under `overrides`."""
    snapshot = run_scan(db).snapshot
    return [f for f in run_checks(snapshot, Config(checks={"index_bloat": overrides})).findings
            if f.check == "index_bloat" and f.object.index == index]


def test_fresh_indexes_are_estimated_close_to_their_size_and_not_reported(db: Database) -> None:
    db.execute("CREATE TABLE fresh_t (id int PRIMARY KEY, email text, note text)",
               "INSERT INTO fresh_t SELECT g, 'user' || g || '@example.com', CASE WHEN g % 3 = 0 THEN 'x' END "
               "FROM generate_series(1, 100000) g",
               "CREATE INDEX fresh_t_email ON fresh_t (email)", "CREATE INDEX fresh_t_note ON fresh_t (note)",
               "ANALYZE fresh_t")
    snapshot = run_scan(db).snapshot
    stats = snapshot.frame("btree_stats").set_index("index")
    for index in ("fresh_t_pkey", "fresh_t_email"):
        row = stats.loc[index]
        assert row["n_columns_with_stats"] == row["n_columns"] == 1
    ratio = {}
    for index in ("fresh_t_pkey", "fresh_t_email", "fresh_t_note"):
        row = stats.loc[index]
        ratio[index] = expected_pages(row["reltuples"], row["data_width"], bool(row["has_nulls"]),
                                      int(row["fillfactor"]), 8192) / row["relpages"]
    assert 0.85 <= ratio["fresh_t_pkey"] <= 1.05 and 0.85 <= ratio["fresh_t_email"] <= 1.05, ratio  # leaf pages only
    assert ratio["fresh_t_note"] > 1, ratio  # deduplicated repeated keys: smaller than estimated, never "bloated"
    assert [f for f in run_checks(snapshot, Config(checks={"index_bloat": LOW})).findings
            if f.check == "index_bloat" and f.object.table == "fresh_t"] == []


def test_an_index_emptied_by_a_mass_delete_is_reported_and_reindex_settles_it(db: Database) -> None:
    db.execute('CREATE TABLE "bloatOrders" (id int PRIMARY KEY, created int)',
               'INSERT INTO "bloatOrders" SELECT g, g FROM generate_series(1, 200000) g',
               'CREATE INDEX "bloatOrders_created" ON "bloatOrders" (created)',
               'DELETE FROM "bloatOrders" WHERE id % 10 <> 0',
               'VACUUM ANALYZE "bloatOrders"')
    [finding] = bloat_findings(db, "bloatOrders_created", **LOW)
    assert finding.object.table == "bloatOrders" and finding.severity == "medium"
    assert finding.evidence["bloat_percent"] >= 80 and finding.evidence["reltuples"] == 20000
    assert finding.fix_sql == 'REINDEX INDEX CONCURRENTLY public."bloatOrders_created";'
    assert bloat_findings(db, "bloatOrders_created") == []  # under the default 100 MiB
    with db.connect() as conn:
        conn.execute(finding.fix_sql)
    assert bloat_findings(db, "bloatOrders_created", **LOW) == []


def test_indexes_without_statistics_are_not_judged(db: Database) -> None:
    db.execute("CREATE TABLE never_analyzed (id int PRIMARY KEY) WITH (autovacuum_enabled = false)",
               "INSERT INTO never_analyzed SELECT generate_series(1, 50000)")
    snapshot = run_scan(db).snapshot
    row = snapshot.frame("btree_stats").set_index("index").loc["never_analyzed_pkey"]
    assert row["n_columns_with_stats"] == 0
    everything = Config(checks={"index_bloat": {"min_mb": 0, "bloat_percent": 0, "min_pages": 0}})
    assert [f for f in run_checks(snapshot, everything).findings if f.object.index == "never_analyzed_pkey"] == []
