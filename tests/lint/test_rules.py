"""The migration rules, case by case: a migration (after an optional earlier one) in, the lines each rule flags out.

Each `Case` names one rule, the SQL of the migration under test and the lines where that rule must report,
in order (``()`` for a safe case); `earlier` is a migration that runs before it (the history: tables,
column types, validated checks). Migrations are written as Prisma's ``<timestamp>_<name>/migration.sql``
unless ``prisma=False``. Every rule has at least one unsafe and one safe case (checked below). Pure
parsing: no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pglast
import pytest

from pgdiag.core.findings import Finding
from pgdiag.lint import lint_paths, runner
from pgdiag.lint.files import MigrationFile, migration_files
from pgdiag.lint.rules import registry
from pgdiag.lint.state import FileContext, History
from pgdiag.lint.statements import Statement, parse_file

USERS = 'CREATE TABLE "User" ("id" SERIAL PRIMARY KEY, "email" TEXT, "name" VARCHAR(100), "score" NUMERIC(10,2), ' \
        '"age" INTEGER, "orgId" INTEGER);\nCREATE TABLE "Org" ("id" SERIAL PRIMARY KEY);'


@dataclass(frozen=True)
class Case:
    """One migration and where `rule` must flag it."""

    id: str
    rule: str
    sql: str
    lines: tuple[int, ...]
    earlier: str | None = USERS
    prisma: bool = True
    severity: str | None = None


CASES = [
    # index_not_concurrent
    Case("create-index", "index_not_concurrent",
         '-- CreateIndex\nCREATE INDEX "User_email_idx" ON "User"("email");', (2,), severity="high"),
    Case("create-unique-index", "index_not_concurrent",
         'CREATE UNIQUE INDEX "User_email_key" ON "User"("email");', (1,)),
    Case("drop-index", "index_not_concurrent", '-- DropIndex\n\nDROP INDEX "User_email_idx";', (3,), severity="medium"),
    Case("reindex-table", "index_not_concurrent", 'REINDEX TABLE "User";', (1,), severity="high"),
    Case("reindex-index-and-schema", "index_not_concurrent",
         'REINDEX (VERBOSE) INDEX "User_pkey";\nREINDEX SCHEMA public;', (1, 2), prisma=False),
    Case("reindex-concurrently", "index_not_concurrent", 'REINDEX TABLE CONCURRENTLY "User";', ()),
    Case("reindex-of-table-created-here", "index_not_concurrent",
         'CREATE TABLE "Tag" ("id" INTEGER PRIMARY KEY);\nREINDEX TABLE "Tag";', ()),
    Case("create-index-concurrently", "index_not_concurrent",
         'CREATE INDEX CONCURRENTLY "User_email_idx" ON "User"("email");', ()),
    Case("drop-index-concurrently", "index_not_concurrent", 'DROP INDEX CONCURRENTLY "User_email_idx";', ()),
    Case("index-on-table-created-here", "index_not_concurrent",
         'CREATE TABLE "Tag" ("id" INTEGER, "name" TEXT);\nCREATE INDEX "Tag_name_idx" ON "Tag"("name");', ()),
    Case("index-after-create-if-not-exists", "index_not_concurrent",
         'CREATE TABLE IF NOT EXISTS "User" ("id" INTEGER);\nCREATE INDEX "User_age_idx" ON "User"("age");', (2,)),
    Case("drop-index-created-here", "index_not_concurrent",
         'CREATE INDEX CONCURRENTLY "x_idx" ON "User"("age");\nDROP INDEX "x_idx";', ()),
    # add_column_not_null
    Case("add-required-column", "add_column_not_null",
         '-- AlterTable\nALTER TABLE "User" ADD COLUMN "expiry" TIMESTAMP(3) NOT NULL;', (2,), severity="high"),
    Case("add-primary-key-column", "add_column_not_null",
         'ALTER TABLE "User" DROP COLUMN "id", ADD COLUMN "uid" TEXT PRIMARY KEY;', (1,)),
    Case("add-required-column-with-default", "add_column_not_null",
         'ALTER TABLE "User" ADD COLUMN "expiry" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,\n'
         '  ADD COLUMN "rank" SERIAL NOT NULL, ADD COLUMN "n" BIGINT GENERATED ALWAYS AS IDENTITY;', ()),
    Case("add-optional-column", "add_column_not_null", 'ALTER TABLE "User" ADD COLUMN "expiry" TIMESTAMP(3);', ()),
    Case("add-required-column-to-table-created-here", "add_column_not_null",
         'CREATE TABLE "Tag" ("id" INTEGER);\nALTER TABLE "Tag" ADD COLUMN "name" TEXT NOT NULL;', ()),
    # detach_partition
    Case("detach-partition", "detach_partition", 'ALTER TABLE "Event" DETACH PARTITION "Event_2024_01";', (1,),
         severity="medium"),
    Case("detach-partition-concurrently", "detach_partition",
         'ALTER TABLE "Event" DETACH PARTITION "Event_2024_01" CONCURRENTLY;', ()),
    # transaction_left_open
    Case("begin-without-commit", "transaction_left_open",
         'BEGIN;\nALTER TABLE "User" ADD COLUMN "bio" TEXT;\nCOMMIT;\nBEGIN;\nALTER TABLE "User" DROP COLUMN "bio";',
         (4,), prisma=False, severity="high"),
    Case("begin-and-commit", "transaction_left_open",
         "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE \"User\" ADD COLUMN \"bio\" TEXT;\nCOMMIT;", (),
         prisma=False),
    # truncate_cascade
    Case("truncate-cascade", "truncate_cascade", 'TRUNCATE "Org" CASCADE;', (1,), severity="high"),
    Case("truncate-restrict-and-new-table", "truncate_cascade",
         'TRUNCATE "Org";\nCREATE TABLE "Tmp" ("id" INTEGER);\nTRUNCATE "Tmp" CASCADE;', ()),
    # constraint_not_valid
    Case("foreign-key", "constraint_not_valid",
         '-- AddForeignKey\nALTER TABLE "User" ADD CONSTRAINT "User_orgId_fkey" FOREIGN KEY ("orgId") '
         'REFERENCES "Org"("id") ON DELETE RESTRICT ON UPDATE CASCADE;', (2,), severity="high"),
    Case("check", "constraint_not_valid", 'ALTER TABLE "User" ADD CONSTRAINT "age_positive" CHECK ("age" > 0);', (1,)),
    Case("column-references", "constraint_not_valid",
         'ALTER TABLE "User" ADD COLUMN "teamId" INTEGER REFERENCES "Org"("id");', (1,)),
    Case("foreign-key-not-valid", "constraint_not_valid",
         'ALTER TABLE "User" ADD CONSTRAINT "User_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org"("id") NOT VALID;',
         ()),
    Case("validated-in-a-later-migration", "constraint_not_valid",
         'ALTER TABLE "User" VALIDATE CONSTRAINT "User_orgId_fkey";', (),
         earlier=USERS + '\nALTER TABLE "User" ADD CONSTRAINT "User_orgId_fkey" FOREIGN KEY ("orgId") '
                         'REFERENCES "Org"("id") NOT VALID;'),
    Case("validated-in-the-same-migration", "constraint_not_valid",
         'ALTER TABLE "User" ADD CONSTRAINT "age_positive" CHECK ("age" > 0) NOT VALID;\n'
         'ALTER TABLE "User" VALIDATE CONSTRAINT "age_positive";', (2,), severity="medium"),
    Case("foreign-key-of-table-created-here", "constraint_not_valid",
         'CREATE TABLE "Post" ("id" INTEGER, "authorId" INTEGER);\n'
         'ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id");',
         ()),
    # set_not_null
    Case("set-not-null", "set_not_null", 'ALTER TABLE "User" ALTER COLUMN "email" SET NOT NULL;', (1,)),
    Case("set-not-null-after-validated-check", "set_not_null",
         'ALTER TABLE "User" VALIDATE CONSTRAINT "User_email_not_null";\n'
         'ALTER TABLE "User" ALTER COLUMN "email" SET NOT NULL;', (),
         earlier=USERS + '\nALTER TABLE "User" ADD CONSTRAINT "User_email_not_null" CHECK ("email" IS NOT NULL) '
                         'NOT VALID;'),
    Case("set-not-null-after-check-validated-elsewhere", "set_not_null",
         'ALTER TABLE "User" VALIDATE CONSTRAINT "User_email_not_null";\n'
         'ALTER TABLE "User" ALTER COLUMN "email" SET NOT NULL;', (), earlier=None),
    Case("set-not-null-with-check-not-validated", "set_not_null",
         'ALTER TABLE "User" ALTER COLUMN "email" SET NOT NULL;', (1,),
         earlier=USERS + '\nALTER TABLE "User" ADD CONSTRAINT "User_email_not_null" CHECK ("email" IS NOT NULL) '
                         'NOT VALID;'),
    Case("set-not-null-with-check-on-another-column", "set_not_null",
         'ALTER TABLE "User" VALIDATE CONSTRAINT "name_not_null";\n'
         'ALTER TABLE "User" ALTER COLUMN "email" SET NOT NULL;', (2,),
         earlier=USERS + '\nALTER TABLE "User" ADD CONSTRAINT "name_not_null" CHECK ("name" IS NOT NULL) NOT VALID;'),
    Case("set-not-null-on-table-created-here", "set_not_null",
         'CREATE TABLE "Tag" ("name" TEXT);\nALTER TABLE "Tag" ALTER COLUMN "name" SET NOT NULL;', ()),
    # column_type_rewrite
    Case("int-to-bigint", "column_type_rewrite",
         '-- AlterTable\nALTER TABLE "User" ALTER COLUMN "age" SET DATA TYPE BIGINT;', (2,)),
    Case("varchar-shorter", "column_type_rewrite",
         'ALTER TABLE "User" ALTER COLUMN "name" SET DATA TYPE VARCHAR(50);', (1,)),
    Case("numeric-scale-change", "column_type_rewrite",
         'ALTER TABLE "User" ALTER COLUMN "score" TYPE NUMERIC(12,3);', (1,)),
    Case("using-clause", "column_type_rewrite",
         'ALTER TABLE "User" ALTER COLUMN "name" SET DATA TYPE VARCHAR(200) USING "name"::VARCHAR(200);', (1,)),
    Case("unknown-old-type", "column_type_rewrite", 'ALTER TABLE "Legacy" ALTER COLUMN "code" TYPE TEXT;', (1,),
         earlier=None),
    Case("varchar-longer", "column_type_rewrite",
         'ALTER TABLE "User" ALTER COLUMN "name" SET DATA TYPE VARCHAR(255);', ()),
    Case("varchar-to-text", "column_type_rewrite", 'ALTER TABLE "User" ALTER COLUMN "name" SET DATA TYPE TEXT;', ()),
    Case("numeric-more-precision", "column_type_rewrite",
         'ALTER TABLE "User" ALTER COLUMN "score" TYPE NUMERIC(14,2);', ()),
    Case("type-known-from-earlier-change", "column_type_rewrite",
         'ALTER TABLE "User" ALTER COLUMN "age" TYPE BIGINT;\nALTER TABLE "User" ALTER COLUMN "age" TYPE BIGINT;',
         (1,)),
    # volatile_default
    Case("volatile-default", "volatile_default",
         'ALTER TABLE "User" ADD COLUMN "token" UUID NOT NULL DEFAULT gen_random_uuid();', (1,)),
    Case("serial-column", "volatile_default", 'ALTER TABLE "User" ADD COLUMN "seq" SERIAL;', (1,)),
    Case("identity-column", "volatile_default",
         'ALTER TABLE "User" ADD COLUMN "n" BIGINT GENERATED ALWAYS AS IDENTITY;', (1,)),
    Case("stored-generated-column", "volatile_default",
         'ALTER TABLE "User" ADD COLUMN "age2" INTEGER GENERATED ALWAYS AS ("age" * 2) STORED;', (1,)),
    Case("stable-default", "volatile_default",
         'ALTER TABLE "User" ADD COLUMN "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,\n'
         'ADD COLUMN "seen" TIMESTAMPTZ DEFAULT now(), ADD COLUMN "active" BOOLEAN NOT NULL DEFAULT true;', ()),
    Case("volatile-default-on-table-created-here", "volatile_default",
         'CREATE TABLE "Tag" ("id" INTEGER);\nALTER TABLE "Tag" ADD COLUMN "key" UUID DEFAULT gen_random_uuid();', ()),
    # drop_column
    Case("drop-column", "drop_column", '-- AlterTable\nALTER TABLE "User" DROP COLUMN "name";', (2,)),
    Case("drop-column-of-table-created-here", "drop_column",
         'CREATE TABLE "Tag" ("id" INTEGER, "x" TEXT);\nALTER TABLE "Tag" DROP COLUMN "x";', ()),
    # drop_table
    Case("drop-table", "drop_table", '-- DropTable\nDROP TABLE "Org";', (2,), severity="medium"),
    Case("drop-two-tables", "drop_table", 'DROP TABLE "Org", "User";', (1, 1)),
    Case("drop-table-created-here", "drop_table", 'CREATE TABLE "Tmp" ("id" INTEGER);\nDROP TABLE "Tmp";', ()),
    # rename
    Case("rename-column", "rename", 'ALTER TABLE "User" RENAME COLUMN "name" TO "fullName";', (1,)),
    Case("rename-table", "rename", 'ALTER TABLE "Org" RENAME TO "Organization";', (1,)),
    Case("rename-index", "rename", 'ALTER INDEX "User_email_idx" RENAME TO "User_mail_idx";', ()),
    Case("rename-in-table-created-here", "rename",
         'CREATE TABLE "Tag" ("id" INTEGER);\nALTER TABLE "Tag" RENAME COLUMN "id" TO "tagId";\n'
         'ALTER TABLE "Tag" RENAME TO "Label";\nALTER TABLE "Label" RENAME COLUMN "tagId" TO "labelId";', ()),
    # unique_in_place
    Case("unique-constraint", "unique_in_place",
         'ALTER TABLE "User" ADD CONSTRAINT "User_email_key" UNIQUE ("email");', (1,)),
    Case("primary-key", "unique_in_place",
         'ALTER TABLE "Org" DROP CONSTRAINT "Org_pkey", ADD PRIMARY KEY ("id");', (1,)),
    Case("unique-column", "unique_in_place", 'ALTER TABLE "User" ADD COLUMN "handle" TEXT UNIQUE;', (1,)),
    Case("unique-using-index", "unique_in_place",
         'ALTER TABLE "User" ADD CONSTRAINT "User_email_key" UNIQUE USING INDEX "User_email_key";', ()),
    Case("unique-on-table-created-here", "unique_in_place",
         'CREATE TABLE "Tag" ("name" TEXT);\nALTER TABLE "Tag" ADD CONSTRAINT "Tag_name_key" UNIQUE ("name");', ()),
    # vacuum_full_cluster
    Case("vacuum-full", "vacuum_full_cluster", 'VACUUM FULL "User";', (1,), prisma=False),
    Case("vacuum-full-option", "vacuum_full_cluster", 'VACUUM (FULL, ANALYZE) "User";', (1,), prisma=False),
    Case("cluster", "vacuum_full_cluster", 'CLUSTER "User" USING "User_pkey";', (1,), prisma=False),
    Case("plain-vacuum", "vacuum_full_cluster", 'VACUUM (ANALYZE) "User";\nVACUUM (FULL false) "User";', (),
         prisma=False),
    # lock_timeout_missing
    Case("no-lock-timeout", "lock_timeout_missing",
         '-- AlterTable\nALTER TABLE "User" ADD COLUMN "bio" TEXT;\nALTER TABLE "Org" ADD COLUMN "x" TEXT;', (2,),
         severity="low"),
    Case("lock-timeout-too-late", "lock_timeout_missing",
         'ALTER TABLE "User" ADD COLUMN "bio" TEXT;\nSET lock_timeout = \'5s\';', (1,)),
    Case("lock-timeout-turned-off", "lock_timeout_missing",
         "SET lock_timeout = '5s';\nSET lock_timeout = 0;\nALTER TABLE \"User\" ADD COLUMN \"bio\" TEXT;", (3,)),
    Case("new-table-referencing-existing-one", "lock_timeout_missing",
         'CREATE TABLE "Post" ("id" INTEGER, "authorId" INTEGER REFERENCES "User"("id"));', (1,)),
    Case("foreign-key-of-new-table-to-existing-one", "lock_timeout_missing",
         '-- CreateTable\nCREATE TABLE "Post" ("id" INTEGER, "authorId" INTEGER);\n-- AddForeignKey\n'
         'ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id");',
         (4,)),
    Case("foreign-key-between-new-tables", "lock_timeout_missing",
         'CREATE TABLE "Tag" ("id" INTEGER PRIMARY KEY);\nCREATE TABLE "TagLink" ("tagId" INTEGER);\n'
         'ALTER TABLE "TagLink" ADD CONSTRAINT "TagLink_tagId_fkey" FOREIGN KEY ("tagId") REFERENCES "Tag"("id");', ()),
    Case("lock-table", "lock_timeout_missing", 'LOCK TABLE "User" IN SHARE MODE;', (1,)),
    Case("lock-timeout-first", "lock_timeout_missing",
         "SET lock_timeout = '5s';\nALTER TABLE \"User\" ADD COLUMN \"bio\" TEXT;", ()),
    Case("only-new-tables", "lock_timeout_missing",
         'CREATE TABLE "Tag" ("id" INTEGER PRIMARY KEY);\nCREATE TABLE "TagLink" ("tagId" INTEGER REFERENCES "Tag");\n'
         'CREATE INDEX "TagLink_tagId_idx" ON "TagLink"("tagId");', ()),
    Case("prisma-concurrent-index-alone", "lock_timeout_missing",
         'CREATE INDEX CONCURRENTLY "User_email_idx" ON "User"("email");', ()),
    Case("plain-concurrent-index-alone", "lock_timeout_missing",
         'CREATE INDEX CONCURRENTLY "User_email_idx" ON "User"("email");', (1,), prisma=False),
    # concurrently_in_transaction
    Case("concurrently-after-begin", "concurrently_in_transaction",
         'BEGIN;\nCREATE INDEX CONCURRENTLY "User_email_idx" ON "User"("email");\nCOMMIT;', (2,), prisma=False,
         severity="high"),
    Case("concurrently-in-prisma-migration-with-others", "concurrently_in_transaction",
         "SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY \"User_email_idx\" ON \"User\"(\"email\");", (2,),
         severity="medium"),
    Case("concurrently-alone-in-prisma-migration", "concurrently_in_transaction",
         '-- CreateIndex\nCREATE INDEX CONCURRENTLY "User_email_idx" ON "User"("email");', ()),
    Case("detach-concurrently-in-a-prisma-migration-with-others", "concurrently_in_transaction",
         "SET lock_timeout = '5s';\nALTER TABLE \"User\" DETACH PARTITION \"User_old\" CONCURRENTLY;", (2,)),
    Case("concurrently-in-plain-file-after-commit", "concurrently_in_transaction",
         "BEGIN;\nSET LOCAL lock_timeout = '5s';\nCOMMIT;\nDROP INDEX CONCURRENTLY \"User_email_idx\";", (),
         prisma=False),
]


def write_migrations(root: Path, case: Case) -> Path:
    """Write the case's earlier migration and the migration under test below `root`; return the latter."""
    name = "migration.sql" if case.prisma else "change.sql"
    if case.earlier is not None:
        earlier = root / "20240101000000_earlier" / name
        earlier.parent.mkdir(parents=True)
        earlier.write_text(case.earlier + "\n", encoding="utf-8")
    tested = root / "20240202000000_tested" / name
    tested.parent.mkdir(parents=True)
    tested.write_text(case.sql + "\n", encoding="utf-8")
    return tested


def flagged(case: Case, tmp_path: Path) -> list[Finding]:
    """The findings of the case's rule about the migration under test."""
    tested = write_migrations(tmp_path, case)
    result = lint_paths([tmp_path])
    return [f for f in result.findings if f.check == case.rule and f.location["file"] == str(tested)]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_case(case: Case, tmp_path: Path) -> None:
    findings = flagged(case, tmp_path)
    assert tuple(f.location["line"] for f in findings) == case.lines, [f.title for f in findings]
    for finding in findings:
        assert finding.severity == (case.severity or finding.severity)
        assert finding.recommendation and finding.title
        assert finding.query is not None and finding.query.queryid is None
        if finding.fix_sql:  # every fix is SQL PostgreSQL's parser accepts
            pglast.parse_sql(finding.fix_sql)


def test_the_rules_leave_the_parsed_statements_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixes are built from shallow copies (`pgdiag.lint.nodes.altered`): after every unsafe case, each
    statement's tree is still the one a fresh parse gives, so no later rule or statement reads a fix."""
    parsed: list[tuple[MigrationFile, list[Statement]]] = []

    def recorded(file: MigrationFile) -> list[Statement]:
        parsed.append((file, parse_file(file)))
        return parsed[-1][1]

    monkeypatch.setattr(runner, "parse_file", recorded)
    fixes = [finding.fix_sql for number, case in enumerate(c for c in CASES if c.lines)
             for finding in flagged(case, tmp_path / str(number)) if finding.fix_sql]
    assert len(fixes) > 10
    for file, statements in parsed:
        assert [s.node() for s in statements] == [s.node() for s in parse_file(file)], file.display


def test_rules_find_nothing_in_statements_they_do_not_declare(tmp_path: Path) -> None:
    """The runner asks a rule only about its declared statement classes (`Rule.statements`): asked about every
    statement of every case, no rule finds anything in another class, so the declarations drop no finding."""
    rules = [rule_class() for rule_class in registry().values()]
    judged = 0
    for number, case in enumerate(CASES):
        write_migrations(tmp_path / str(number), case)
        history = History()
        for file in migration_files([tmp_path / str(number)]):
            statements = parse_file(file)
            context = FileContext(file=file, statements=statements, history=history)
            for statement in statements:
                for rule in rules:
                    found = list(rule.check(statement, context))
                    judged += bool(found)
                    assert not found or rule.statements is None or isinstance(statement.node, rule.statements), \
                        (rule.id, case.id, type(statement.node).__name__)
                context.apply(statement)
    assert judged > 50


def test_every_rule_has_an_unsafe_and_a_safe_case() -> None:
    for rule_id in registry():
        cases = [c for c in CASES if c.rule == rule_id]
        assert any(c.lines for c in cases), f"{rule_id} has no unsafe case"
        assert any(not c.lines for c in cases), f"{rule_id} has no safe case"
    assert {c.rule for c in CASES} <= set(registry())


def test_every_rule_documents_itself() -> None:
    for rule_id, rule in registry().items():
        page = rule.documentation()
        assert rule.summary() and "**Problem**" in page and "**Why it matters**" in page and "**Fix**" in page, rule_id


def test_the_recommended_forms_pass_every_rule(tmp_path: Path) -> None:
    """The recipes themselves pass every rule: the safe forms the findings recommend."""
    recipe = Case("recipe", "", "SET lock_timeout = '5s';\n"
                  'ALTER TABLE "User" ADD CONSTRAINT "User_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org"("id") '
                  'NOT VALID;\n'
                  'ALTER TABLE "User" ADD CONSTRAINT "User_email_not_null" CHECK ("email" IS NOT NULL) NOT VALID;\n'
                  'ALTER TABLE "User" ADD COLUMN "bio" TEXT, ADD COLUMN "createdAt" TIMESTAMP(3) NOT NULL '
                  'DEFAULT CURRENT_TIMESTAMP;\n'
                  'ALTER TABLE "User" ALTER COLUMN "name" SET DATA TYPE VARCHAR(255);', ())
    write_migrations(tmp_path, recipe)
    assert lint_paths([tmp_path]).findings == []


def test_the_prisma_page_lists_every_rule() -> None:
    """docs/prisma.md's rule table is the registry's: id, default severity and summary line."""
    page = (Path(__file__).resolve().parent.parent.parent / "docs" / "prisma.md").read_text(encoding="utf-8")
    for rule_id, rule in registry().items():
        assert f"| `{rule_id}` | {rule.severity} | {rule.summary()} |" in page, rule_id


def test_a_foreign_key_added_after_create_table_names_the_existing_table(tmp_path: Path) -> None:
    """Prisma's shape, as in a real project: CREATE TABLE, then its foreign key to an existing table by
    ALTER TABLE. The lock on the referenced table is what waits, so the finding names it."""
    case = Case("prisma-new-model", "lock_timeout_missing",
                '-- CreateTable\nCREATE TABLE "ApiKey" ("id" TEXT NOT NULL, "orgId" INTEGER NOT NULL,\n'
                '    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id"));\n\n-- CreateIndex\n'
                'CREATE INDEX "ApiKey_orgId_idx" ON "ApiKey"("orgId");\n\n-- AddForeignKey\n'
                'ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org"("id") '
                'ON DELETE CASCADE ON UPDATE CASCADE;', (9,))
    (finding,) = flagged(case, tmp_path)
    assert finding.location["line"] == 9
    assert finding.object.table == "Org" and '"Org"' in finding.title
    assert finding.evidence == {"locked_tables": ['"Org"']}


def test_a_foreign_key_on_an_existing_table_names_both_tables(tmp_path: Path) -> None:
    case = Case("existing-to-existing", "constraint_not_valid",
                'ALTER TABLE "User" ADD CONSTRAINT "User_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org"("id");',
                (1,))
    (finding,) = flagged(case, tmp_path)
    assert finding.object.table == "User" and 'blocks writes to "Org"' in finding.title
    assert finding.evidence == {"referenced_table": '"Org"'}


def test_the_squawk_table_names_only_rules_that_exist() -> None:
    """docs/prisma.md's squawk table: each row maps squawk rules to pgdiag rules that exist, or says why not."""
    page = (Path(__file__).resolve().parent.parent.parent / "docs" / "prisma.md").read_text(encoding="utf-8")
    rows = [line.split(" | ") for line in page[page.index("| squawk rule | pgdiag | why |"):].splitlines()[2:]
            if line.startswith("| `")]
    assert len(rows) > 50
    for squawk, pgdiag, why in rows:
        named = set(re.findall(r"`([a-z_]+)`", pgdiag))
        assert named <= set(registry()) and (named or "declined" in pgdiag or "not applicable" in pgdiag), squawk
        assert why.strip(" |"), squawk
    adopted = {rule for _, pgdiag, _ in rows for rule in re.findall(r"`([a-z_]+)`", pgdiag)}
    assert adopted == set(registry())  # and every pgdiag rule answers some squawk rule
