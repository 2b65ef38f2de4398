"""``pgdiag lint-migrations`` on whole directories, through the real command line: exactly the unsafe statements of
a Prisma migrations directory are flagged, each at the line it starts on; migrations run in timestamp order;
``--json`` validates against docs/lint.schema.json; ``--fail-on`` gates; bad input is one line and exit 2.
Pure parsing: no database.
"""

from __future__ import annotations

import json
import os
from bisect import bisect_left
from pathlib import Path

import pglast
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from pgdiag.lint import lint_paths
from pgdiag.lint.files import migration_files
from pgdiag.lint.statements import _first_token, parse_text
from tests.cli_helpers import assert_one_line_error, invoke

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"

INIT = '''-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "email" TEXT,
    "name" VARCHAR(100),

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Post" (
    "id" SERIAL NOT NULL,
    "authorId" INTEGER NOT NULL,
    "legacy" TEXT,

    CONSTRAINT "Post_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE INDEX "Post_authorId_idx" ON "Post"("authorId");

-- AddForeignKey
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
'''

# Runs second (by its timestamp), though written last: widening "name" is free only if INIT ran first.
SAFE = '''SET lock_timeout = '5s';

-- AlterTable
ALTER TABLE "Post" ADD COLUMN "editorId" INTEGER,
ADD COLUMN "title" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "User" ALTER COLUMN "name" SET DATA TYPE VARCHAR(300);
'''

UNSAFE = '''-- AlterTable
ALTER TABLE "User" ADD COLUMN "bio" TEXT;

-- CreateIndex
CREATE INDEX "Post_title_idx" ON "Post"("title");

/* email becomes required
   (was optional) */
ALTER TABLE "User"
    ALTER COLUMN "email" SET NOT NULL;

-- AddForeignKey
ALTER TABLE "Post" ADD CONSTRAINT "Post_editorId_fkey" FOREIGN KEY ("editorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "Tag" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "Tag_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Tag_name_key" ON "Tag"("name");

-- AlterTable
ALTER TABLE "Post" DROP COLUMN "legacy";
'''

CONCURRENT = '''-- CreateIndex
CREATE INDEX CONCURRENTLY "Post_editorId_idx" ON "Post"("editorId");
'''

UNSAFE_FILE = "prisma/migrations/20240301000000_unsafe/migration.sql"
EXPECTED = [  # (file, line, rule): exactly the unsafe statements, at the line each starts on
    (UNSAFE_FILE, 2, "lock_timeout_missing"),
    (UNSAFE_FILE, 5, "index_not_concurrent"),
    (UNSAFE_FILE, 9, "set_not_null"),
    (UNSAFE_FILE, 13, "constraint_not_valid"),
    (UNSAFE_FILE, 27, "drop_column"),
]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Prisma project in `tmp_path` (the working directory) with four migrations, written out of order."""
    monkeypatch.chdir(tmp_path)
    migrations = tmp_path / "prisma" / "migrations"
    for name, sql in (("20240401000000_concurrent", CONCURRENT), ("20240301000000_unsafe", UNSAFE),
                      ("20240101000000_init", INIT), ("20240201000000_safe", SAFE)):
        (migrations / name).mkdir(parents=True)
        (migrations / name / "migration.sql").write_text(sql, encoding="utf-8")
    (migrations / "migration_lock.toml").write_text('provider = "postgresql"\n', encoding="utf-8")
    return tmp_path


def lint_validator() -> Draft202012Validator:
    """A validator for docs/lint.schema.json, resolving its references into docs/report.schema.json."""
    report = json.loads((DOCS / "report.schema.json").read_text(encoding="utf-8"))
    lint = json.loads((DOCS / "lint.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(lint)
    registry = Registry().with_resource("report.schema.json", Resource.from_contents(report))
    return Draft202012Validator(lint, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_exactly_the_unsafe_statements_are_flagged_at_their_lines(project: Path) -> None:
    result = lint_paths([Path("prisma/migrations")])
    assert [f.display for f in result.files] == [
        "prisma/migrations/20240101000000_init/migration.sql", "prisma/migrations/20240201000000_safe/migration.sql",
        UNSAFE_FILE, "prisma/migrations/20240401000000_concurrent/migration.sql"]
    found = sorted((f.location["file"], f.location["line"], f.check) for f in result.findings)
    assert found == sorted(EXPECTED)
    lines = (project / UNSAFE_FILE).read_text(encoding="utf-8").splitlines()
    for finding in result.findings:  # each line is where the statement's text begins
        assert lines[finding.location["line"] - 1].strip().startswith(finding.query.text.split()[0])


def test_json_report_validates_and_fail_on_gates(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(capsys, "lint-migrations", "prisma/migrations", "--json", "-")
    assert outcome.code == 0 and outcome.err == ""
    document = json.loads(outcome.out)
    lint_validator().validate(document)
    assert document["target"] == {"paths": ["prisma/migrations"],
                                  "files": [f.display for f in lint_paths([Path("prisma/migrations")]).files]}
    assert [(f["location"]["file"], f["location"]["line"], f["check"]) for f in document["findings"]] == \
        [EXPECTED[i] for i in (1, 2, 3, 4, 0)]  # worst first (high before low), then in line order

    assert invoke(capsys, "lint-migrations", "prisma/migrations", "--fail-on", "high").code == 1
    assert invoke(capsys, "lint-migrations", "prisma/migrations", "--fail-on", "critical").code == 0
    clean = invoke(capsys, "lint-migrations", "prisma/migrations/20240101000000_init",
                   "prisma/migrations/20240401000000_concurrent/migration.sql", "--fail-on", "info")
    assert clean.code == 0 and "No findings." in clean.out


def test_terminal_output_names_file_and_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(capsys, "lint-migrations", "prisma/migrations", "--json", str(project / "lint.json"))
    assert outcome.code == 0
    text = " ".join(outcome.out.split())
    for file, line, rule in EXPECTED:
        assert f"{file}:{line}: " in text and rule in text
    lint_validator().validate(json.loads((project / "lint.json").read_text(encoding="utf-8")))


def test_plain_sql_files_run_in_name_order(tmp_path: Path) -> None:
    for name, sql in (("010_c.sql", 'ALTER TABLE t ALTER COLUMN a TYPE varchar(20);'),
                      ("001_a.sql", 'CREATE TABLE t (a varchar(10));'),
                      ("002_b.sql", "SELECT 1;")):
        (tmp_path / name).write_text(sql, encoding="utf-8")
    result = lint_paths([tmp_path])
    assert [Path(f.display).name for f in result.files] == ["001_a.sql", "002_b.sql", "010_c.sql"]
    assert not any(f.prisma for f in result.files)
    assert [f.check for f in result.findings] == ["lock_timeout_missing"]  # widening after 001_a is free


def test_which_files_a_directory_gives_and_in_what_order(tmp_path: Path) -> None:
    """``.sql`` files at any depth in path order; hidden directories, node_modules, directories named
    ``*.sql``, other files, broken links and linked directories left out; a file reached twice linted once, a
    hard link (another file name) twice."""
    root = tmp_path / "root"
    for name in ("root/b/2.sql", "root/a/1/z.sql", "root/a/1.sql", "root/a/.hidden.sql", "root/x.sql/inner.sql",
                 "root/.git/c.sql", "root/node_modules/pkg/d.sql", "root/a/node_modules/e.sql", "root/a/notes.txt",
                 "root/UPPER.SQL", "outside/f.sql"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("SELECT 1;", encoding="utf-8")
    (root / "b/link.sql").symlink_to(root / "a/1.sql")
    (root / "b/broken.sql").symlink_to(root / "missing.sql")
    os.link(root / "b/2.sql", root / "b/hard.sql")
    (root / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)
    files = migration_files([root, root / "a/1.sql"])
    assert [Path(f.display).relative_to(root).as_posix() for f in files] == [
        "a/.hidden.sql", "a/1/z.sql", "a/1.sql", "b/2.sql", "b/hard.sql", "x.sql/inner.sql"]


@pytest.mark.parametrize("text", [
    "SELECT 1;SELECT 2",
    "-- a\n-- b\r\nSELECT 1;\n\n  /* x */ /* y /* z */ w */SELECT 2;;\n-- end",
    "/**/SELECT 1; /*/ still a comment */ SELECT 2; /***/\tSELECT 3; /* /*/ */ */\nSELECT 4",
    "SELECT 1; --\rSELECT 2; -- trailing",
    "\f\vSELECT 1;\v-- x\fSELECT 2;\r\n\r\n-- y\r\n  SELECT 3",
    "SELECT '--' AS \"/*\"; SELECT 2 /* after */; /* only a comment */",
    "SELECT 1 -- no newline at the end",
], ids=range(7))
def test_each_statement_starts_at_its_first_token(text: str) -> None:
    """Statements start at the first token the scanner finds after the previous semicolon: comments, nested
    ones included, and whitespace are skipped as PostgreSQL's scanner skips them. (pglast 8 reports the first
    token as the statement's start already, pglast 7 the end of the previous statement: both are checked.)"""
    tokens = [t for t in pglast.parser.scan(text) if t.name not in ("SQL_COMMENT", "C_COMMENT")]
    starts = [t.start for t in tokens]
    for after in [0, *(t.end + 1 for t in tokens if t.name == "ASCII_59")]:
        first = bisect_left(starts, after)
        assert _first_token(text, after) == (starts[first] if first < len(starts) else after), after
    expected = []
    for raw in pglast.parse_sql(text):
        first = bisect_left(starts, raw.stmt_location)
        start = starts[first] if first < len(starts) else raw.stmt_location
        end = raw.stmt_location + raw.stmt_len if raw.stmt_len else len(text)
        expected.append((text.count("\n", 0, start) + 1, text[start:end].strip().rstrip(";").rstrip()))
    assert [(s.line, s.text) for s in parse_text(text, "m.sql")] == expected


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "m" / "20240101000000_x" / "migration.sql"
    broken.parent.mkdir(parents=True)
    broken.write_text("-- CreateTable\nCREATE TABLE a (id int);\n\nALTER TABEL a ADD COLUMN b int;\n", encoding="utf-8")
    assert_one_line_error(invoke(capsys, "lint-migrations", str(tmp_path / "m")), f"{broken}:4:", "syntax error")
    broken.write_text("CREATE TABLE a (id int", encoding="utf-8")
    assert_one_line_error(invoke(capsys, "lint-migrations", str(broken)), f"{broken}:1:")
    broken.write_bytes(b"SELECT '\xff';")
    assert_one_line_error(invoke(capsys, "lint-migrations", str(broken)), f"cannot read {broken}")
    assert_one_line_error(invoke(capsys, "lint-migrations", str(tmp_path / "missing")), "no such file or directory")
    (tmp_path / "empty").mkdir()
    assert_one_line_error(invoke(capsys, "lint-migrations", str(tmp_path / "empty")), "no .sql file")
    assert_one_line_error(invoke(capsys, "lint-migrations"), "PATH")
    assert_one_line_error(invoke(capsys, "lint-migrations", str(tmp_path / "m"), "--json", str(tmp_path / "no" / "x")),
                          "does not exist")


def test_checks_command_prints_a_rule_page(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = invoke(capsys, "checks", "set_not_null")
    assert outcome.code == 0 and "\nFix\n" in outcome.out and "VALIDATE CONSTRAINT" in outcome.out
    assert "**" not in outcome.out and "``" not in outcome.out  # the page as text, not reST
    listing = invoke(capsys, "checks")
    assert "set_not_null" in listing.out and "missing_index" in listing.out
