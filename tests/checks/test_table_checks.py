"""slow_query, no_primary_key, table_bloat, vacuum_overdue and sequence_exhaustion on real servers.

Every test creates its own tables (quoted camelCase names in some, to prove the quoting in
fix_sql), waits for the cumulative statistics it relies on, scans through pgdiag's own session
and looks only at findings about its own objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
import pytest

from pgdiag.checks import run_checks
from pgdiag.config.model import Config
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot
from pgdiag.db.dsn import parse
from pgdiag.scan import scan
from tests.conftest import run_scan
from tests.pg import TestDatabase as Database


def about(findings: list[Finding], check: str, table: str) -> list[Finding]:
    """The findings of `check` whose object is table (or sequence) `table`."""
    return [f for f in findings if f.check == check and f.object.table == table]


def check_findings(snapshot: Snapshot, check: str, table: str, **overrides: object) -> list[Finding]:
    """Run the checks on `snapshot` with `overrides` as `check`'s thresholds; keep those about `table`."""
    return about(run_checks(snapshot, Config(checks={check: overrides})).findings, check, table)


def scan_findings(db: Database, check: str, table: str, **overrides: object) -> list[Finding]:
    """Scan `db` and return the findings of `check` about `table`."""
    return check_findings(run_scan(db).snapshot, check, table, **overrides)


def stats(table: str, condition: str) -> str:
    """A query for `db.wait_until` on the statistics of `table`."""
    return f"SELECT coalesce(bool_and({condition}), false) FROM pg_stat_user_tables WHERE relname = '{table}'"


# slow_query ------------------------------------------------------------------------------------

def reset_statements(db: Database) -> None:
    """Forget this database's pg_stat_statements entries, so shares are computed over this test's statements."""
    db.execute("SELECT pg_stat_statements_reset(0, oid, 0) FROM pg_database WHERE datname = current_database()")


def statements_about(findings: list[Finding], table: str) -> list[Finding]:
    """slow_query findings whose statement reads `table`."""
    return [f for f in findings if f.check == "slow_query" and f.query and table in f.query.text]


def test_slow_query_default_thresholds(db: Database) -> None:
    reset_statements(db)
    db.execute("CREATE TABLE slow_sleepy (id int PRIMARY KEY)", "INSERT INTO slow_sleepy VALUES (1)")
    with db.connect() as conn:
        for _ in range(50):
            conn.execute("SELECT pg_sleep(0.06) FROM slow_sleepy WHERE id = %s", (1,))
        queryid = conn.execute("SELECT queryid::text FROM pg_stat_statements "
                               "WHERE query LIKE 'SELECT pg_sleep(%slow_sleepy%'").fetchone()[0]

    [finding] = statements_about(run_scan(db).checks.findings, "slow_sleepy")

    assert finding.severity == "high"  # after the reset it is nearly all of the database's time
    assert finding.object == ObjectRef()
    assert finding.query.queryid == queryid
    assert finding.query.calls == 50 and finding.query.mean_ms >= 60
    assert finding.evidence["rules"] == ["mean", "share"] and finding.evidence["share_percent"] >= 90
    assert {"shared_blks_read", "shared_blks_hit", "temp_blks_written"} <= finding.evidence.keys()
    assert f"pgdiag explain --queryid {queryid}" in finding.recommendation
    lenient = {"high_share_percent": 100, "high_mean_ms": 10_000}  # the severity cut-offs are thresholds too
    [medium] = statements_about(run_checks(run_scan(db).snapshot, Config(checks={"slow_query": lenient})).findings,
                                "slow_sleepy")
    assert medium.severity == "medium"


def test_slow_query_silent_for_many_fast_statements(db: Database) -> None:
    reset_statements(db)
    db.execute("CREATE TABLE slow_fast AS SELECT g AS id FROM generate_series(1, 1000) g")
    with db.connect() as conn:
        for i in range(200):
            conn.execute("SELECT id FROM slow_fast WHERE id = %s", (i,))

    snapshot = run_scan(db).snapshot

    assert statements_about(run_checks(snapshot).findings, "slow_fast") == []
    # Their share of this nearly idle database is large: only min_total_ms keeps them out.
    loose = run_checks(snapshot, Config(checks={"slow_query": {"min_total_ms": 0}})).findings
    assert statements_about(loose, "slow_fast")[0].evidence["rules"] == ["share"]


def test_slow_query_share_rule_counts_hidden_statements(db: Database) -> None:
    role_dsn = db.backend.tcp_dsn(db.name)
    if role_dsn is None:
        pytest.skip("this backend offers no password role over TCP")
    reset_statements(db)
    db.execute("CREATE TABLE slow_hidden (id int)", "INSERT INTO slow_hidden VALUES (1)",
               "CREATE TABLE slow_share_big (id int)", "INSERT INTO slow_share_big VALUES (1)",
               "CREATE TABLE slow_share_small (id int)", "INSERT INTO slow_share_small VALUES (1)",
               "GRANT SELECT ON slow_share_big, slow_share_small TO pgdiag_pw",
               "SELECT pg_sleep(0.4) FROM slow_hidden")  # the superuser's: hidden from pgdiag_pw
    with psycopg.connect(role_dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_sleep(0.3) FROM slow_share_big WHERE id = %s", (1,))
        for _ in range(20):
            conn.execute("SELECT pg_sleep(0.005) FROM slow_share_small WHERE id = %s", (1,))

    result = scan(parse(role_dsn), config=Config(checks={"slow_query": {"min_total_ms": 50}}))
    findings = [f for f in result.checks.findings if f.check == "slow_query"]

    assert result.snapshot.frame("statements")["query"].eq("<insufficient privilege>").any()
    assert all(f.query.text not in (None, "<insufficient privilege>") for f in findings)
    [big] = statements_about(findings, "slow_share_big")
    [small] = statements_about(findings, "slow_share_small")
    assert findings.index(big) < findings.index(small)
    assert big.severity == "high" and big.evidence["rules"] == ["share"] and big.query.calls == 1
    # ~0.1 s of ~0.8 s: counted against the hidden 0.4 s too, or it would be most of the time.
    assert small.severity == "medium" and 10 <= small.evidence["share_percent"] < 25
    assert small.evidence["rules"] == ["share"] and small.query.mean_ms < 50


# no_primary_key --------------------------------------------------------------------------------

def test_no_primary_key_on_id_column_and_fix(db: Database) -> None:
    db.execute('CREATE TABLE "npkOrders" (id bigint NOT NULL, "createdAt" timestamptz)',
               'INSERT INTO "npkOrders" SELECT g, now() FROM generate_series(1, 100) g')

    [finding] = scan_findings(db, "no_primary_key", "npkOrders")

    assert finding.severity == "medium"
    assert finding.object == ObjectRef(schema="public", table="npkOrders")
    assert finding.fix_sql == 'ALTER TABLE public."npkOrders" ADD PRIMARY KEY (id);'
    db.execute(finding.fix_sql)
    assert scan_findings(db, "no_primary_key", "npkOrders") == []


def test_no_primary_key_without_id_column(db: Database) -> None:
    db.execute('CREATE TABLE "npkEvents" (payload text, "userId" int UNIQUE)',  # nullable: not a key
               "CREATE TABLE npk_parted (tenant int, payload text) PARTITION BY LIST (tenant)",
               "CREATE TABLE npk_parted_1 PARTITION OF npk_parted FOR VALUES IN (1)")

    findings = run_scan(db).checks.findings
    [events] = about(findings, "no_primary_key", "npkEvents")
    [parted] = about(findings, "no_primary_key", "npk_parted")

    assert events.severity == "medium" and events.fix_sql is None
    assert "IDENTITY" in events.recommendation and events.evidence["has_id_column"] is False
    assert parted.evidence["kind"] == "partitioned table"
    assert about(findings, "no_primary_key", "npk_parted_1") == []  # reported once, on the parent


def test_no_primary_key_silent_for_keyed_tables(db: Database) -> None:
    db.execute("CREATE TABLE npk_pk (id int PRIMARY KEY)",
               'CREATE TABLE "npkNatural" (code text NOT NULL UNIQUE, label text)',
               "CREATE TABLE npk_keyed_parts (id int PRIMARY KEY) PARTITION BY RANGE (id)",
               "CREATE TABLE npk_keyed_parts_1 PARTITION OF npk_keyed_parts FOR VALUES FROM (0) TO (100)",
               "CREATE MATERIALIZED VIEW npk_view AS SELECT 1 AS one")

    findings = run_scan(db).checks.findings

    for table in ("npk_pk", "npkNatural", "npk_keyed_parts", "npk_keyed_parts_1", "npk_view"):
        assert about(findings, "no_primary_key", table) == [], table


# table_bloat -----------------------------------------------------------------------------------

def test_table_bloat_dead_rows_and_vacuum_fix(db: Database) -> None:
    db.execute('CREATE TABLE "bloatDead" (id int, payload text) WITH (autovacuum_enabled = false)',
               """INSERT INTO "bloatDead" SELECT g, repeat('x', 50) FROM generate_series(1, 50000) g""",
               'DELETE FROM "bloatDead" WHERE id > 20000')  # the tail: VACUUM can truncate it
    db.wait_until(stats("bloatDead", "n_dead_tup >= 30000"))

    snapshot = run_scan(db).snapshot
    [finding] = check_findings(snapshot, "table_bloat", "bloatDead")
    [strict] = check_findings(snapshot, "table_bloat", "bloatDead", high_waste_mb=0)

    assert finding.severity == "medium" and strict.severity == "high"
    assert finding.object == ObjectRef(schema="public", table="bloatDead")
    assert finding.fix_sql == 'VACUUM (VERBOSE, ANALYZE) public."bloatDead";'
    assert finding.evidence["n_dead_tup"] == 30000 and finding.evidence["dead_percent"] == 60.0
    db.execute(finding.fix_sql)
    db.wait_until(stats("bloatDead", "n_dead_tup = 0 AND last_vacuum IS NOT NULL"))
    assert scan_findings(db, "table_bloat", "bloatDead") == []


def test_table_bloat_pages_left_by_vacuum(db: Database) -> None:
    db.execute('CREATE TABLE "bloatPages" (id int, payload text) WITH (autovacuum_enabled = false)',
               """INSERT INTO "bloatPages" SELECT g, repeat('x', 50) FROM generate_series(1, 100000) g""",
               'DELETE FROM "bloatPages" WHERE id % 10 <> 0')  # every page keeps live rows
    db.wait_until(stats("bloatPages", "n_dead_tup >= 90000"))
    db.execute('VACUUM (ANALYZE) "bloatPages"')
    db.wait_until(stats("bloatPages", "n_dead_tup = 0 AND last_vacuum IS NOT NULL"))

    [finding] = scan_findings(db, "table_bloat", "bloatPages")

    assert finding.severity == "medium"
    assert finding.fix_sql == 'VACUUM (FULL, VERBOSE, ANALYZE) public."bloatPages";'
    assert "pg_repack" in finding.recommendation and "ACCESS EXCLUSIVE" in finding.recommendation
    assert finding.evidence["bloat_percent"] >= 85 and finding.evidence["reltuples"] == 10000
    assert finding.evidence["expected_pages"] < finding.evidence["relpages"] / 5
    db.execute(finding.fix_sql)
    assert scan_findings(db, "table_bloat", "bloatPages") == []


def test_table_bloat_silent_for_dense_table_and_few_dead_rows(db: Database) -> None:
    db.execute('CREATE TABLE "bloatDense" (id int, payload text) WITH (autovacuum_enabled = false)',
               """INSERT INTO "bloatDense" SELECT g, repeat('x', 50) FROM generate_series(1, 100000) g""",
               'ANALYZE "bloatDense"',
               "CREATE TABLE bloat_few_dead (id int) WITH (autovacuum_enabled = false)",
               "INSERT INTO bloat_few_dead SELECT generate_series(1, 10000)",
               "DELETE FROM bloat_few_dead WHERE id <= 5000")  # 50 %, but fewer than 10 000
    db.wait_until(stats("bloat_few_dead", "n_dead_tup >= 5000"))

    snapshot = run_scan(db).snapshot

    assert check_findings(snapshot, "table_bloat", "bloatDense") == []
    assert check_findings(snapshot, "table_bloat", "bloat_few_dead") == []
    # The estimate was made, and is close for a freshly loaded table; fewer dead rows would count.
    [dense] = check_findings(snapshot, "table_bloat", "bloatDense", bloat_percent=0)
    assert 0 <= dense.evidence["bloat_percent"] < 15
    assert len(check_findings(snapshot, "table_bloat", "bloat_few_dead", min_dead_rows=5000)) == 1


# vacuum_overdue --------------------------------------------------------------------------------

ZERO_DAYS = {"max_age_days": 0}


def test_vacuum_overdue_never_vacuumed_and_fix(db: Database) -> None:
    db.execute('CREATE TABLE "vacChanged" (id int)',
               'INSERT INTO "vacChanged" SELECT generate_series(1, 1000)')
    db.wait_until(stats("vacChanged", "n_ins_since_vacuum >= 1000 AND n_mod_since_analyze >= 1000"))

    snapshot = run_scan(db, config=Config(checks={"vacuum_overdue": ZERO_DAYS})).snapshot
    [finding] = check_findings(snapshot, "vacuum_overdue", "vacChanged", **ZERO_DAYS)

    assert finding.severity == "low"  # a small table
    assert finding.object == ObjectRef(schema="public", table="vacChanged")
    assert finding.fix_sql == 'VACUUM (ANALYZE) public."vacChanged";'
    assert finding.evidence["last_vacuum"] is None and finding.evidence["n_ins_since_vacuum"] == 1000
    assert finding.evidence["vacuum_overdue"] and finding.evidence["analyze_overdue"]
    [sized] = check_findings(snapshot, "vacuum_overdue", "vacChanged", small_table_mb=0, **ZERO_DAYS)
    assert sized.severity == "medium"

    db.execute(finding.fix_sql)
    db.wait_until(stats("vacChanged", "last_vacuum IS NOT NULL AND last_analyze IS NOT NULL "
                                      "AND n_ins_since_vacuum = 0 AND n_mod_since_analyze = 0"))
    assert scan_findings(db, "vacuum_overdue", "vacChanged", **ZERO_DAYS) == []


def test_vacuum_overdue_analyze_only(db: Database) -> None:
    db.execute("CREATE TABLE vac_unanalysed (id int)", "INSERT INTO vac_unanalysed SELECT generate_series(1, 500)")
    db.wait_until(stats("vac_unanalysed", "n_ins_since_vacuum >= 500"))
    db.execute("VACUUM vac_unanalysed")
    db.wait_until(stats("vac_unanalysed", "last_vacuum IS NOT NULL AND n_ins_since_vacuum = 0"))

    [finding] = scan_findings(db, "vacuum_overdue", "vac_unanalysed", **ZERO_DAYS)

    assert finding.fix_sql == "ANALYZE public.vac_unanalysed;"
    assert finding.evidence["analyze_overdue"] and not finding.evidence["vacuum_overdue"]


def test_vacuum_overdue_silent_at_default_threshold(db: Database) -> None:
    db.execute("CREATE TABLE vac_recent (id int)", "INSERT INTO vac_recent SELECT generate_series(1, 1000)")
    db.wait_until(stats("vac_recent", "n_ins_since_vacuum >= 1000"))
    db.execute("VACUUM (ANALYZE) vac_recent")
    db.wait_until(stats("vac_recent", "last_vacuum IS NOT NULL AND n_ins_since_vacuum = 0"))
    db.execute("INSERT INTO vac_recent SELECT generate_series(1, 300)", "DELETE FROM vac_recent WHERE id <= 10",
               "CREATE TABLE vac_fresh (id int)", "INSERT INTO vac_fresh SELECT generate_series(1, 1000)")
    db.wait_until(stats("vac_recent", "n_ins_since_vacuum >= 300 AND n_dead_tup >= 10"))
    db.wait_until(stats("vac_fresh", "n_ins_since_vacuum >= 1000"))

    snapshot = run_scan(db).snapshot

    assert check_findings(snapshot, "vacuum_overdue", "vac_recent") == []  # changed, but vacuumed today
    assert check_findings(snapshot, "vacuum_overdue", "vac_fresh") == []  # never vacuumed: statistics too young
    [recent] = check_findings(snapshot, "vacuum_overdue", "vac_recent", **ZERO_DAYS)
    assert recent.evidence["days_since_vacuum"] is not None and "last vacuumed" in recent.title
    [fresh] = check_findings(snapshot, "vacuum_overdue", "vac_fresh", **ZERO_DAYS)
    assert fresh.evidence["last_vacuum"] is None and "statistics" in fresh.title


# sequence_exhaustion ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SequenceCase:
    """A sequence set up near (or far from) the end of its range, and what the check must say."""

    name: str
    setup: tuple[str, ...]
    object: ObjectRef
    severity: str | None  # None: silent
    fix_sql: str | None = None


SEQUENCE_CASES = [
    SequenceCase("serial_at_93_percent",
                 ('CREATE TABLE "seqOrders" ("orderNo" serial PRIMARY KEY, note text)',
                  """SELECT setval('"seqOrders_orderNo_seq"', 2000000000)"""),
                 ObjectRef("public", "seqOrders", columns=("orderNo",)), "high",
                 'ALTER TABLE public."seqOrders" ALTER COLUMN "orderNo" TYPE bigint;\n'
                 'ALTER SEQUENCE public."seqOrders_orderNo_seq" AS bigint;'),
    SequenceCase("integer_identity_at_98_percent",
                 ("CREATE TABLE seq_ident (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)",
                  "SELECT setval(pg_get_serial_sequence('seq_ident', 'id'), 2100000000)"),
                 ObjectRef("public", "seq_ident", columns=("id",)), "critical",
                 "ALTER TABLE public.seq_ident ALTER COLUMN id TYPE bigint;"),  # the sequence follows
    SequenceCase("bigint_sequence_owned_by_integer_column_at_79_percent",
                 ("CREATE SEQUENCE seq_wide_id_seq",
                  "CREATE TABLE seq_wide (id integer PRIMARY KEY DEFAULT nextval('seq_wide_id_seq'))",
                  "ALTER SEQUENCE seq_wide_id_seq OWNED BY seq_wide.id",
                  "SELECT setval('seq_wide_id_seq', 1700000000)"),
                 ObjectRef("public", "seq_wide", columns=("id",)), "medium",
                 "ALTER TABLE public.seq_wide ALTER COLUMN id TYPE bigint;"),
    SequenceCase("standalone_smallint_at_92_percent",
                 ('CREATE SEQUENCE "seqTicket" AS smallint', """SELECT setval('"seqTicket"', 30000)"""),
                 ObjectRef("public", "seqTicket"), "high", 'ALTER SEQUENCE public."seqTicket" AS bigint;'),
    SequenceCase("descending_integer_at_93_percent",
                 ("CREATE SEQUENCE seq_down AS integer INCREMENT -1", "SELECT setval('seq_down', -2000000000)"),
                 ObjectRef("public", "seq_down"), "high", "ALTER SEQUENCE public.seq_down AS bigint;"),
    SequenceCase("explicit_maxvalue_reached",
                 ("CREATE SEQUENCE seq_maxed AS smallint MAXVALUE 5", "SELECT setval('seq_maxed', 5)"),
                 ObjectRef("public", "seq_maxed"), "critical", "ALTER SEQUENCE public.seq_maxed NO MAXVALUE;"),
    SequenceCase("identity_with_its_own_maxvalue",
                 ("CREATE TABLE seq_capped (id int GENERATED ALWAYS AS IDENTITY (MAXVALUE 100), v int)",
                  "INSERT INTO seq_capped (v) SELECT generate_series(1, 99)"),
                 ObjectRef("public", "seq_capped", columns=("id",)), "critical",
                 "ALTER SEQUENCE public.seq_capped_id_seq NO MAXVALUE;"),
    SequenceCase("bigserial_at_same_value",
                 ("CREATE TABLE seq_big (id bigserial PRIMARY KEY)", "SELECT setval('seq_big_id_seq', 2000000000)"),
                 ObjectRef("public", "seq_big", columns=("id",)), None),
    SequenceCase("serial_young",
                 ("CREATE TABLE seq_young (id serial PRIMARY KEY)", "SELECT setval('seq_young_id_seq', 1000000)"),
                 ObjectRef("public", "seq_young", columns=("id",)), None),
    SequenceCase("serial_at_74_percent",
                 ("CREATE TABLE seq_below (id serial PRIMARY KEY)", "SELECT setval('seq_below_id_seq', 1590000000)"),
                 ObjectRef("public", "seq_below", columns=("id",)), None),
    SequenceCase("never_used", ("CREATE SEQUENCE seq_unused AS smallint START 32000",),
                 ObjectRef("public", "seq_unused"), None),
    SequenceCase("cycling_smallint_near_its_end",
                 ("CREATE SEQUENCE seq_cycle AS smallint CYCLE", "SELECT setval('seq_cycle', 32000)"),
                 ObjectRef("public", "seq_cycle"), None),
]


@pytest.fixture(scope="module")
def sequence_findings(db: Database) -> list[Finding]:
    """Every case set up in one database, scanned once."""
    db.execute(*(sql for case in SEQUENCE_CASES for sql in case.setup))
    return [f for f in run_scan(db).checks.findings if f.check == "sequence_exhaustion"]


def test_sequence_exhaustion_severity_cut_offs_are_thresholds(db: Database, sequence_findings: list[Finding]) -> None:
    snapshot = run_scan(db).snapshot
    strict = Config(checks={"sequence_exhaustion": {"high_percent": 0, "critical_percent": 0}})
    severities = {f.severity for f in run_checks(snapshot, strict).findings if f.check == "sequence_exhaustion"}
    assert {f.severity for f in sequence_findings} - {"critical"} and severities == {"critical"}


@pytest.mark.parametrize("case", SEQUENCE_CASES, ids=[c.name for c in SEQUENCE_CASES])
def test_sequence_exhaustion(case: SequenceCase, sequence_findings: list[Finding]) -> None:
    found = [f for f in sequence_findings if f.object == case.object]
    if case.severity is None:
        assert found == []
        return
    [finding] = found
    assert finding.severity == case.severity
    assert finding.fix_sql == case.fix_sql


def test_sequence_exhaustion_fixes_apply_and_silence(db: Database, sequence_findings: list[Finding]) -> None:
    fixed = [f for f in sequence_findings if f.fix_sql]
    assert len(fixed) == 7
    for finding in fixed:
        db.execute(*finding.fix_sql.split("\n"))
    with db.connect() as conn:  # the serial column now takes values beyond the integer range
        conn.execute("""SELECT setval('"seqOrders_orderNo_seq"', 2147483647)""")
        conn.execute("""INSERT INTO "seqOrders" (note) VALUES ('past integer')""")
        assert conn.execute('SELECT max("orderNo") FROM "seqOrders"').fetchone()[0] == 2147483648
    remaining = [f for f in run_scan(db).checks.findings if f.check == "sequence_exhaustion"]
    assert [f for f in remaining if f.object in {g.object for g in fixed}] == []


def test_sequence_exhaustion_evidence_names_the_sequence(sequence_findings: list[Finding]) -> None:
    [serial] = [f for f in sequence_findings if f.object.table == "seqOrders"]
    assert serial.evidence["sequence"] == 'public."seqOrders_orderNo_seq"'
    assert serial.evidence["capacity"] == 2147483647 and serial.evidence["limited_by"] == "both"
    assert 93.1 <= serial.evidence["used_percent"] <= 93.2
    assert "rewrites the table" in serial.recommendation
    [wide] = [f for f in sequence_findings if f.object.table == "seq_wide"]
    assert wide.evidence["capacity"] == 2147483647 and wide.evidence["limited_by"] == "column"
    assert wide.evidence["max_value"] == 9223372036854775807
    [down] = [f for f in sequence_findings if f.object.table == "seq_down"]
    assert down.evidence["capacity"] == -2147483648 and down.evidence["limited_by"] == "sequence"
    assert down.object.index is None


# all five ----------------------------------------------------------------------------------------

OWN_CHECKS = ("slow_query", "no_primary_key", "table_bloat", "vacuum_overdue", "sequence_exhaustion")


def test_stored_snapshot_is_judged_the_same(db: Database, tmp_path) -> None:
    config = Config(checks={"vacuum_overdue": ZERO_DAYS, "slow_query": {"min_total_ms": 0},
                            "table_bloat": {"min_dead_rows": 1000}, "sequence_exhaustion": {"used_percent": 0}})
    snapshot = run_scan(db).snapshot
    snapshot.save(tmp_path / "snapshot.json.gz")
    stored = Snapshot.load(tmp_path / "snapshot.json.gz")

    def judged(snap: Snapshot) -> list[tuple]:
        """What the checks conclude; evidence is left out (the snapshot file keeps timestamps to the ms)."""
        return [(f.check, f.severity, f.title, f.object, f.fix_sql, f.fingerprint)
                for f in run_checks(snap, config).findings if f.check in OWN_CHECKS]

    found = judged(snapshot)
    assert {check for check, *_ in found} == set(OWN_CHECKS)  # every check has something to say here
    assert judged(stored) == found
