"""unused_index, duplicate_index, redundant_index, invalid_index and missing_fk_index on real servers.

Every test creates its own tables (quoted camelCase names like Prisma's in some, to prove the
quoting in fix_sql), scans through pgdiag's own read-only session, looks only at findings about
its own objects, and runs the fix SQL it asserts to prove it is valid.
"""

from __future__ import annotations

from datetime import timezone

import psycopg
import pytest

from pgdiag.checks import run_checks
from pgdiag.config.model import Config
from pgdiag.core.findings import Finding
from tests.conftest import run_scan
from tests.pg import Backend, TestDatabase, create_database, drop_database


def scan_findings(db: TestDatabase, check: str, table: str, **overrides: object) -> list[Finding]:
    """Scan `db` with `overrides` as `check`'s thresholds; the findings of `check` about `table`."""
    snapshot = run_scan(db).snapshot
    findings = run_checks(snapshot, Config(checks={check: overrides})).findings
    return [f for f in findings if f.check == check and f.object.table == table]


def by_index(findings: list[Finding]) -> dict[str | None, Finding]:
    """Findings keyed by the index they are about."""
    return {f.object.index: f for f in findings}


def run_fix(db: TestDatabase, fix_sql: str) -> None:
    """Run each statement of `fix_sql` (one per line) on its own, in autocommit mode as CONCURRENTLY needs."""
    with db.connect() as conn:
        for statement in fix_sql.splitlines():
            conn.execute(statement)


def wait_index_scanned(db: TestDatabase, index: str) -> None:
    """Wait until the statistics show a scan of `index`."""
    db.wait_until(f"SELECT coalesce(bool_and(idx_scan > 0), false) FROM pg_stat_user_indexes "
                  f"WHERE indexrelname = '{index}'")


# unused_index ----------------------------------------------------------------------------------

def test_unused_index_reported_with_the_age_of_the_statistics(db: TestDatabase) -> None:
    db.execute('CREATE TABLE "UnusedClient" (id int PRIMARY KEY, "regionId" int NOT NULL)',
               'INSERT INTO "UnusedClient" SELECT g, g FROM generate_series(1, 2000) g',
               'CREATE INDEX "UnusedClient_regionId_idx" ON "UnusedClient" ("regionId")')
    with db.connect() as conn:
        reset, started = conn.execute(
            "SELECT stats_reset, pg_postmaster_start_time() FROM pg_stat_database "
            "WHERE datname = current_database()").fetchone()
    since = f"since {reset.astimezone(timezone.utc):%Y-%m-%d}" if reset \
        else f"at least since {started.astimezone(timezone.utc):%Y-%m-%d}"

    [finding] = scan_findings(db, "unused_index", "UnusedClient")  # the primary key is never reported
    assert finding.severity == "low"  # the statistics are minutes old
    assert (finding.object.schema, finding.object.index) == ("public", "UnusedClient_regionId_idx")
    assert finding.object.columns == ("regionId",)
    assert finding.title.endswith(since)
    assert finding.evidence["idx_scan"] == 0 and finding.evidence["index_bytes"] >= 32768
    assert finding.evidence["stats_since_exact"] is (reset is not None)
    assert finding.fix_sql == 'DROP INDEX CONCURRENTLY public."UnusedClient_regionId_idx";'

    [old] = scan_findings(db, "unused_index", "UnusedClient", young_stats_days=0)
    assert old.severity == "medium"

    run_fix(db, finding.fix_sql)
    assert scan_findings(db, "unused_index", "UnusedClient") == []


def test_unused_index_says_since_when_statistics_were_reset(backend: Backend) -> None:
    db = create_database(backend, "t_unused_index_reset")
    try:
        db.execute("CREATE TABLE unused_reset (id int, code int)",
                   "INSERT INTO unused_reset SELECT g, g FROM generate_series(1, 2000) g",
                   "CREATE INDEX unused_reset_code_idx ON unused_reset (code)",
                   "SELECT pg_stat_reset()")
        db.wait_until("SELECT stats_reset IS NOT NULL FROM pg_stat_database WHERE datname = current_database()")
        with db.connect() as conn:
            reset = conn.execute("SELECT stats_reset FROM pg_stat_database "
                                 "WHERE datname = current_database()").fetchone()[0]
        [finding] = scan_findings(db, "unused_index", "unused_reset")
        assert finding.object.index == "unused_reset_code_idx"
        assert finding.title.endswith(f"has not been scanned since {reset.astimezone(timezone.utc):%Y-%m-%d}")
        assert finding.evidence["stats_since_exact"] is True
        assert finding.fix_sql == "DROP INDEX CONCURRENTLY public.unused_reset_code_idx;"
    finally:
        drop_database(db)


def test_unused_index_silent_for_used_enforcing_small_and_invalid_indexes(db: TestDatabase) -> None:
    db.execute(
        "CREATE TABLE unused_quiet (id int PRIMARY KEY, code int, ref int, label int, r int4range, "
        "CONSTRAINT unused_quiet_r_excl EXCLUDE USING gist (r WITH &&))",
        "INSERT INTO unused_quiet SELECT g, g, g, g, int4range(g * 10, g * 10 + 5) FROM generate_series(1, 2000) g",
        "CREATE UNIQUE INDEX unused_quiet_code_key ON unused_quiet (code)",
        "CREATE INDEX unused_quiet_ref_idx ON unused_quiet (ref)",
        "CREATE INDEX unused_quiet_label_idx ON unused_quiet (label)",
        "CREATE TABLE unused_tiny (id int, code int)",
        "INSERT INTO unused_tiny SELECT g, g FROM generate_series(1, 100) g",
        "CREATE INDEX unused_tiny_code_idx ON unused_tiny (code)",
        # An index left invalid is invalid_index's business, however big and unused.
        "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'unused_quiet_label_idx'::regclass",
    )
    # The inserts scanned the exclusion constraint's index to look for conflicts: once those scans
    # reached the statistics, forget them.
    wait_index_scanned(db, "unused_quiet_r_excl")
    db.execute("SELECT pg_stat_reset_single_table_counters('unused_quiet_r_excl'::regclass)")
    with db.connect() as conn:  # every index here is big enough; all but one are unscanned
        assert conn.execute("SELECT bool_and(pg_relation_size(indexrelid) >= 32768) FROM pg_index "
                            "WHERE indrelid = 'unused_quiet'::regclass").fetchone()[0]
        conn.execute("SET enable_seqscan = off")
        conn.execute("SELECT count(*) FROM unused_quiet WHERE ref = 7")
    wait_index_scanned(db, "unused_quiet_ref_idx")
    db.wait_until("SELECT idx_scan = 0 FROM pg_stat_user_indexes WHERE indexrelname = 'unused_quiet_r_excl'")

    assert scan_findings(db, "unused_index", "unused_quiet") == []
    assert scan_findings(db, "unused_index", "unused_tiny") == []
    # The small index is reported once the size threshold allows it: the test above can fail.
    assert [f.object.index for f in scan_findings(db, "unused_index", "unused_tiny", min_bytes=0)] == \
        ["unused_tiny_code_idx"]


# duplicate_index -------------------------------------------------------------------------------

def test_duplicate_index_drops_the_later_one(db: TestDatabase) -> None:
    db.execute('CREATE TABLE "DupClient" (id int PRIMARY KEY, "organizationId" int NOT NULL)',
               'CREATE INDEX "DupClient_organizationId_idx" ON "DupClient" ("organizationId")',
               'CREATE INDEX "DupClient_organizationId_idx1" ON "DupClient" ("organizationId")')

    [finding] = scan_findings(db, "duplicate_index", "DupClient")
    assert finding.severity == "medium"
    assert (finding.object.schema, finding.object.index) == ("public", "DupClient_organizationId_idx1")
    assert finding.object.columns == ("organizationId",)
    assert finding.evidence["kept_index"] == "DupClient_organizationId_idx"
    assert finding.evidence["kept_definition"].startswith('CREATE INDEX "DupClient_organizationId_idx" ON')
    assert finding.evidence["definition"].startswith('CREATE INDEX "DupClient_organizationId_idx1" ON')
    assert finding.fix_sql == 'DROP INDEX CONCURRENTLY public."DupClient_organizationId_idx1";'

    run_fix(db, finding.fix_sql)
    assert scan_findings(db, "duplicate_index", "DupClient") == []


def test_duplicate_index_keeps_the_constraint_even_when_it_is_newer(db: TestDatabase) -> None:
    db.execute("CREATE TABLE dup_email (id int PRIMARY KEY, email text)",
               "CREATE INDEX dup_email_plain ON dup_email (email)",
               "ALTER TABLE dup_email ADD CONSTRAINT dup_email_email_key UNIQUE (email)")

    [finding] = scan_findings(db, "duplicate_index", "dup_email")
    assert finding.object.index == "dup_email_plain"
    assert finding.evidence["kept_index"] == "dup_email_email_key"
    assert finding.fix_sql == "DROP INDEX CONCURRENTLY public.dup_email_plain;"


def test_duplicate_index_between_constraints_has_no_drop(db: TestDatabase) -> None:
    # CREATE TABLE would fold a UNIQUE identical to the primary key; ALTER TABLE adds it.
    db.execute("CREATE TABLE dup_keys (id int PRIMARY KEY)",
               "ALTER TABLE dup_keys ADD CONSTRAINT dup_keys_id_key UNIQUE (id)")

    [finding] = scan_findings(db, "duplicate_index", "dup_keys")
    assert finding.severity == "medium"
    assert finding.object.index == "dup_keys_id_key"
    assert finding.evidence["kept_index"] == "dup_keys_pkey"
    assert finding.fix_sql is None
    assert "ALTER TABLE public.dup_keys DROP CONSTRAINT dup_keys_id_key;" in finding.recommendation
    db.execute("ALTER TABLE public.dup_keys DROP CONSTRAINT dup_keys_id_key")  # the advice is valid SQL
    assert scan_findings(db, "duplicate_index", "dup_keys") == []


def test_duplicate_index_silent_when_indexes_differ(db: TestDatabase) -> None:
    db.execute(
        "CREATE TABLE dup_quiet (a int, b int, t text)",
        "CREATE INDEX ON dup_quiet (a)",
        "CREATE INDEX ON dup_quiet (a) WHERE b > 0",           # predicate
        "CREATE INDEX ON dup_quiet USING hash (a)",            # method
        "CREATE INDEX ON dup_quiet (t)",
        "CREATE INDEX ON dup_quiet (t text_pattern_ops)",      # operator class
        'CREATE INDEX ON dup_quiet (t COLLATE "C")',           # collation
        "CREATE INDEX ON dup_quiet (b)",
        "CREATE INDEX ON dup_quiet (b DESC)",                  # sort option
        "CREATE INDEX ON dup_quiet (a, b)",
        "CREATE INDEX ON dup_quiet (a) INCLUDE (b)",           # key versus INCLUDE column
        "CREATE INDEX ON dup_quiet (lower(t))",
        "CREATE INDEX ON dup_quiet (upper(t))",                # expression
    )
    assert scan_findings(db, "duplicate_index", "dup_quiet") == []
    db.execute("CREATE INDEX dup_quiet_again ON dup_quiet (upper(t))")
    assert [f.object.index for f in scan_findings(db, "duplicate_index", "dup_quiet")] == ["dup_quiet_again"]


# redundant_index -------------------------------------------------------------------------------

def test_redundant_index_names_the_longest_cover(db: TestDatabase) -> None:
    db.execute(
        'CREATE TABLE "RedAlert" (id int PRIMARY KEY, "organizationId" int, status text, "createdAt" timestamptz)',
        'CREATE INDEX "RedAlert_organizationId_idx" ON "RedAlert" ("organizationId")',
        'CREATE INDEX "RedAlert_organizationId_status_idx" ON "RedAlert" ("organizationId", status)',
        'CREATE INDEX "RedAlert_organizationId_status_createdAt_idx" ON "RedAlert" '
        '("organizationId", status, "createdAt")',
    )
    found = by_index(scan_findings(db, "redundant_index", "RedAlert"))
    assert set(found) == {"RedAlert_organizationId_idx", "RedAlert_organizationId_status_idx"}
    finding = found["RedAlert_organizationId_idx"]
    assert finding.severity == "low"
    assert (finding.object.schema, finding.object.table) == ("public", "RedAlert")
    assert finding.object.columns == ("organizationId",)
    assert finding.evidence["covering_index"] == "RedAlert_organizationId_status_createdAt_idx"
    assert finding.fix_sql == 'DROP INDEX CONCURRENTLY public."RedAlert_organizationId_idx";'

    run_fix(db, finding.fix_sql)
    run_fix(db, found["RedAlert_organizationId_status_idx"].fix_sql)
    assert scan_findings(db, "redundant_index", "RedAlert") == []


def test_redundant_index_with_reversed_order_or_covered_include(db: TestDatabase) -> None:
    db.execute("CREATE TABLE red_variants (a int, b int)",
               "CREATE INDEX red_variants_ab ON red_variants (a, b)",
               "CREATE INDEX red_variants_a_desc ON red_variants (a DESC)",
               "CREATE INDEX red_variants_a_incl ON red_variants (a) INCLUDE (b)")
    found = by_index(scan_findings(db, "redundant_index", "red_variants"))
    assert set(found) == {"red_variants_a_desc", "red_variants_a_incl"}
    assert {f.evidence["covering_index"] for f in found.values()} == {"red_variants_ab"}


def test_redundant_index_silent_when_the_prefix_is_not_enough(db: TestDatabase) -> None:
    db.execute(
        "CREATE TABLE red_quiet (a int, b int, c int, d int, t text, EXCLUDE USING btree (d WITH =))",
        "CREATE INDEX red_quiet_ab ON red_quiet (a, b)",
        "CREATE UNIQUE INDEX red_quiet_a_key ON red_quiet (a)",           # unique: enforces something
        "CREATE INDEX red_quiet_a_part ON red_quiet (a) WHERE c > 0",     # another predicate
        "CREATE INDEX red_quiet_a_hash ON red_quiet USING hash (a)",      # not a b-tree
        "CREATE INDEX red_quiet_b ON red_quiet (b)",                      # not a leading prefix
        "CREATE INDEX red_quiet_a_incl ON red_quiet (a) INCLUDE (c)",     # INCLUDE column not covered
        "CREATE INDEX red_quiet_da ON red_quiet (d, a)",                  # covers the exclusion constraint's
        "CREATE INDEX red_quiet_t_pattern ON red_quiet (t text_pattern_ops)",
        "CREATE INDEX red_quiet_ta ON red_quiet (t, a)",                  # another operator class
        "CREATE INDEX red_quiet_lower ON red_quiet (lower(t))",
        "CREATE INDEX red_quiet_lower_a ON red_quiet (lower(t), a)",      # expressions
        "CREATE INDEX red_quiet_c1 ON red_quiet (c)",
        "CREATE INDEX red_quiet_c2 ON red_quiet (c)",                     # exact duplicates: not redundant
    )
    assert scan_findings(db, "redundant_index", "red_quiet") == []
    assert [f.object.index for f in scan_findings(db, "duplicate_index", "red_quiet")] == ["red_quiet_c2"]


def test_redundant_index_leaves_exact_duplicates_to_duplicate_index(db: TestDatabase) -> None:
    db.execute("CREATE TABLE red_dups (x int, y int)",
               "CREATE INDEX red_dups_x ON red_dups (x)",
               "CREATE INDEX red_dups_x_again ON red_dups (x)",
               "CREATE INDEX red_dups_xy ON red_dups (x, y)",
               "CREATE UNIQUE INDEX red_dups_xy_key ON red_dups (x, y)")
    # duplicate_index drops red_dups_x_again and red_dups_xy (the unique index is kept although newer):
    # redundant_index neither reports the one nor names the other as the cover.
    assert {f.object.index: f.evidence["kept_index"] for f in scan_findings(db, "duplicate_index", "red_dups")} \
        == {"red_dups_x_again": "red_dups_x", "red_dups_xy": "red_dups_xy_key"}
    [finding] = scan_findings(db, "redundant_index", "red_dups")
    assert finding.object.index == "red_dups_x"
    assert finding.evidence["covering_index"] == "red_dups_xy_key"


# invalid_index ---------------------------------------------------------------------------------

def test_invalid_index_from_a_failed_unique_build(db: TestDatabase) -> None:
    db.execute('CREATE TABLE "InvClient" (id int PRIMARY KEY, email text)',
               """INSERT INTO "InvClient" SELECT g, 'user' || (g % 50) || '@example.com'
                  FROM generate_series(1, 100) g""")
    with db.connect() as conn:
        try:
            conn.execute('CREATE UNIQUE INDEX CONCURRENTLY "InvClient_email_key" ON "InvClient" (email)')
        except psycopg.errors.UniqueViolation:
            pass
        else:
            raise AssertionError("the unique build should fail on duplicate emails")

    [finding] = scan_findings(db, "invalid_index", "InvClient")
    assert finding.severity == "high"
    assert (finding.object.schema, finding.object.index) == ("public", "InvClient_email_key")
    assert finding.object.columns == ("email",)
    assert finding.fix_sql == ('DROP INDEX CONCURRENTLY public."InvClient_email_key";\n'
                               'CREATE UNIQUE INDEX CONCURRENTLY "InvClient_email_key" ON public."InvClient" '
                               "USING btree (email);")
    assert "duplicate keys" in finding.recommendation

    db.execute('DELETE FROM "InvClient" WHERE id > 50')
    run_fix(db, finding.fix_sql)
    with db.connect() as conn:
        assert conn.execute("""SELECT indisvalid AND indisunique FROM pg_index
                               WHERE indexrelid = '"InvClient_email_key"'::regclass""").fetchone()[0]
    assert scan_findings(db, "invalid_index", "InvClient") == []


def test_invalid_index_left_by_a_failed_reindex_is_only_dropped(db: TestDatabase) -> None:
    db.execute(
        # Declared immutable for the test's sake: fails while inv_reindex.fail is on.
        """CREATE FUNCTION inv_reindex_key(v int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
           BEGIN
               IF current_setting('inv_reindex.fail', true) = 'on' THEN RAISE EXCEPTION 'inv_reindex fails'; END IF;
               RETURN v;
           END $$""",
        "CREATE TABLE inv_reindex (id int)",
        "INSERT INTO inv_reindex SELECT generate_series(1, 100)",
        "CREATE INDEX inv_reindex_key_idx ON inv_reindex (inv_reindex_key(id))",
    )
    with db.connect() as conn:
        conn.execute("SET inv_reindex.fail = 'on'")
        try:
            conn.execute("REINDEX INDEX CONCURRENTLY inv_reindex_key_idx")
        except psycopg.errors.RaiseException:
            pass
        else:
            raise AssertionError("the rebuild should fail")

    [finding] = scan_findings(db, "invalid_index", "inv_reindex")
    assert finding.object.index == "inv_reindex_key_idx_ccnew"
    assert finding.object.columns is None  # an expression
    assert finding.fix_sql == "DROP INDEX CONCURRENTLY public.inv_reindex_key_idx_ccnew;"
    run_fix(db, finding.fix_sql)
    assert scan_findings(db, "invalid_index", "inv_reindex") == []


def test_invalid_index_of_a_partitioned_table_needs_attaching(db: TestDatabase) -> None:
    db.execute("CREATE TABLE inv_parted (id int, at date) PARTITION BY RANGE (at)",
               "CREATE TABLE inv_parted_2026 PARTITION OF inv_parted FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
               "CREATE INDEX inv_parted_at_idx ON ONLY inv_parted (at)")
    [finding] = scan_findings(db, "invalid_index", "inv_parted")
    assert finding.severity == "high"
    assert finding.object.index == "inv_parted_at_idx"
    assert finding.fix_sql is None
    assert "ATTACH PARTITION" in finding.recommendation
    db.execute("CREATE INDEX inv_parted_2026_at_idx ON inv_parted_2026 (at)",
               "ALTER INDEX inv_parted_at_idx ATTACH PARTITION inv_parted_2026_at_idx")
    assert scan_findings(db, "invalid_index", "inv_parted") == []


def test_invalid_index_silent_for_valid_indexes(db: TestDatabase) -> None:
    db.execute("CREATE TABLE inv_quiet (id int, email text)",
               "INSERT INTO inv_quiet SELECT g, 'user' || g FROM generate_series(1, 100) g")
    with db.connect() as conn:
        conn.execute("CREATE UNIQUE INDEX CONCURRENTLY inv_quiet_email_key ON inv_quiet (email)")
    assert scan_findings(db, "invalid_index", "inv_quiet") == []


# missing_fk_index ------------------------------------------------------------------------------

def test_missing_fk_index_high_for_a_large_child_of_a_deleting_parent(db: TestDatabase) -> None:
    db.execute(
        'CREATE TABLE "FkOrganization" (id int PRIMARY KEY)',
        'CREATE TABLE "FkClient" (id int PRIMARY KEY, '
        '"parentOrgId" int NOT NULL CONSTRAINT "FkClient_parentOrgId_fkey" REFERENCES "FkOrganization")',
        'INSERT INTO "FkOrganization" SELECT generate_series(1, 100)',
        'INSERT INTO "FkClient" SELECT g, g % 50 + 1 FROM generate_series(1, 12000) g',
        'ANALYZE "FkClient"',
        'DELETE FROM "FkOrganization" WHERE id > 90',
    )
    db.wait_until("SELECT n_tup_del >= 10 FROM pg_stat_user_tables WHERE relname = 'FkOrganization'")

    [finding] = scan_findings(db, "missing_fk_index", "FkClient")
    assert finding.severity == "high"
    assert (finding.object.schema, finding.object.index) == ("public", None)
    assert finding.object.columns == ("parentOrgId",)
    assert finding.evidence["constraint"] == "FkClient_parentOrgId_fkey"
    assert finding.evidence["parent_table"] == 'public."FkOrganization"'
    assert finding.evidence["child_rows"] >= 10_000 and finding.evidence["parent_deletes"] >= 10
    assert finding.fix_sql == ('CREATE INDEX CONCURRENTLY "FkClient_parentOrgId_idx" '
                               'ON public."FkClient" ("parentOrgId");')

    run_fix(db, finding.fix_sql)
    assert scan_findings(db, "missing_fk_index", "FkClient") == []


def test_missing_fk_index_low_for_a_small_child_medium_for_a_large_one(db: TestDatabase) -> None:
    db.execute("CREATE TABLE fk_sized_parent (id int PRIMARY KEY)",
               "CREATE TABLE fk_sized (id int, parent_id int REFERENCES fk_sized_parent, "
               "other_id int REFERENCES fk_sized_parent)",
               "INSERT INTO fk_sized_parent SELECT generate_series(1, 10)",
               "INSERT INTO fk_sized SELECT g, g, g FROM generate_series(1, 10) g",
               "ANALYZE fk_sized")
    found = {f.object.columns: f for f in scan_findings(db, "missing_fk_index", "fk_sized")}
    assert set(found) == {("parent_id",), ("other_id",)}
    assert {f.severity for f in found.values()} == {"low"}
    assert found[("parent_id",)].evidence["parent_deletes"] == 0
    larger = scan_findings(db, "missing_fk_index", "fk_sized", large_child_rows=5)
    assert {f.severity for f in larger} == {"medium"}  # the parent has no deletes or updates


def test_missing_fk_index_silent_when_an_index_leads_with_the_columns(db: TestDatabase) -> None:
    db.execute(
        "CREATE TABLE fk_ok_parent (x int, y int, PRIMARY KEY (x, y))",
        "CREATE TABLE fk_ok_tag (id int PRIMARY KEY)",
        "CREATE TABLE fk_ok (a int, b int, c int, tag_id int REFERENCES fk_ok_tag, "
        "FOREIGN KEY (a, b) REFERENCES fk_ok_parent (x, y))",
        "CREATE INDEX fk_ok_bac ON fk_ok (b, a, c)",                  # leading columns in another order
        "CREATE TABLE fk_ok_join (tag_id int REFERENCES fk_ok_tag, a int, PRIMARY KEY (tag_id, a))",
        "CREATE INDEX fk_ok_tag_hash ON fk_ok USING hash (tag_id)",   # equality lookups are enough
    )
    assert scan_findings(db, "missing_fk_index", "fk_ok") == []
    assert scan_findings(db, "missing_fk_index", "fk_ok_join") == []


def test_missing_fk_index_reported_when_indexes_do_not_lead_with_the_columns(db: TestDatabase) -> None:
    db.execute(
        "CREATE TABLE fk_bad_parent (x int, y int, PRIMARY KEY (x, y))",
        "CREATE TABLE fk_bad_one (id int PRIMARY KEY)",
        "CREATE TABLE fk_bad_two (id int PRIMARY KEY)",
        "CREATE TABLE fk_bad (a int, b int, c int, d int, e int, f int, g int, h int, "
        "FOREIGN KEY (a, b) REFERENCES fk_bad_parent (x, y), FOREIGN KEY (c, d) REFERENCES fk_bad_parent (x, y), "
        "FOREIGN KEY (e, f) REFERENCES fk_bad_parent (x, y), "
        "CONSTRAINT fk_bad_g_one FOREIGN KEY (g) REFERENCES fk_bad_one, "
        "CONSTRAINT fk_bad_g_two FOREIGN KEY (g) REFERENCES fk_bad_two, h_ref int REFERENCES fk_bad_one)",
        "CREATE INDEX fk_bad_hab ON fk_bad (h, a, b)",                 # not leading
        "CREATE INDEX fk_bad_c_incl ON fk_bad (c) INCLUDE (d)",        # INCLUDE does not count
        "CREATE INDEX fk_bad_ef_expr ON fk_bad (e, (f + 0))",          # an expression position does not count
        "CREATE INDEX fk_bad_g_idx ON fk_bad (g) WHERE g IS NOT NULL",  # partial; also takes the readable name
        "CREATE INDEX fk_bad_h_ref_brin ON fk_bad USING brin (h_ref)",  # BRIN cannot find rows
    )
    found = {f.object.columns: f for f in scan_findings(db, "missing_fk_index", "fk_bad")}
    assert set(found) == {("a", "b"), ("c", "d"), ("e", "f"), ("g",), ("h_ref",)}
    twice = found[("g",)]  # two foreign keys on the same column: one finding
    assert twice.evidence["constraint"] == "fk_bad_g_one" and twice.evidence["other_constraints"] == ["fk_bad_g_two"]
    assert twice.fix_sql == "CREATE INDEX CONCURRENTLY fk_bad_g_idx1 ON public.fk_bad (g);"
    for finding in found.values():
        run_fix(db, finding.fix_sql)
    assert scan_findings(db, "missing_fk_index", "fk_bad") == []


def test_locked_indexes_are_not_compared(db: TestDatabase) -> None:
    """A locked table's index expressions are not read, so different ones must not look like duplicates."""
    db.execute('CREATE TABLE "LockedExpr" (id int, v text)',
               'CREATE INDEX "LockedExpr_lower" ON "LockedExpr" (lower(v))',
               'CREATE INDEX "LockedExpr_upper" ON "LockedExpr" (upper(v))')
    holder = db.connect()
    holder.autocommit = False
    holder.execute('LOCK TABLE "LockedExpr" IN ACCESS EXCLUSIVE MODE')
    try:
        findings = run_scan(db).checks.findings
    finally:
        holder.rollback()
        holder.close()
    index_checks = {"duplicate_index", "redundant_index", "unused_index", "invalid_index"}
    assert not [f for f in findings if f.object.table == "LockedExpr" and f.check in index_checks]
    assert not scan_findings(db, "duplicate_index", "LockedExpr")


def test_invalid_index_silent_while_its_build_is_running(db: TestDatabase) -> None:
    """CREATE INDEX CONCURRENTLY waiting for an old snapshot leaves an invalid index that is not a leftover."""
    import threading

    db.execute('CREATE TABLE "BuildingClient" (id int, v int)', 'INSERT INTO "BuildingClient" VALUES (1, 1)')
    old_snapshot = db.connect()
    old_snapshot.autocommit = False
    old_snapshot.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    old_snapshot.execute("SELECT count(*) FROM pg_class")
    builder = db.connect()
    build = threading.Thread(target=lambda: builder.execute(
        'CREATE INDEX CONCURRENTLY "BuildingClient_v_idx" ON "BuildingClient" (v)'))
    build.start()
    try:
        db.wait_until("SELECT count(*) > 0 FROM pg_stat_progress_create_index p "
                      "JOIN pg_class c ON c.oid = p.index_relid WHERE c.relname = 'BuildingClient_v_idx'")
        snapshot = run_scan(db).snapshot
    finally:
        old_snapshot.rollback()
        build.join()
        old_snapshot.close()
        builder.close()
    row = snapshot.frame("indexes").set_index("index").loc["BuildingClient_v_idx"]
    assert not row["is_valid"] and row["building"]
    assert not [f for f in run_checks(snapshot).findings
                if f.check == "invalid_index" and f.object.table == "BuildingClient"]


def test_nulls_not_distinct_is_not_a_duplicate(db: TestDatabase) -> None:
    if db.backend.major < 15:
        pytest.skip("NULLS NOT DISTINCT exists from PostgreSQL 15")
    db.execute('CREATE TABLE "NndClient" (id int PRIMARY KEY, email text)',
               'CREATE UNIQUE INDEX "NndClient_email_key" ON "NndClient" (email)',
               'CREATE UNIQUE INDEX "NndClient_email_nnd" ON "NndClient" (email) NULLS NOT DISTINCT')
    assert not scan_findings(db, "duplicate_index", "NndClient")
