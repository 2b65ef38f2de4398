"""``pgdiag scan --prisma-schema`` on real servers: index findings carry ``prisma_fix`` in the schema's names.

The database is what Prisma Migrate makes of the schema below, whose models are renamed with ``@@map``
and fields with ``@map`` (``Customer`` is table ``customers``, ``orgId`` column ``organization_id``…),
plus planted problems: a foreign key without an index (missing_fk_index), ``@@index([email])`` beside
``email @unique`` (duplicate_index), indexes no statement uses (unused_index, one declared with
``map:``, one made by hand and not in the schema), and a workload that wants an index
(missing_index). The fixes must name models and fields, never the database's names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from psycopg.types.numeric import Int4

from pgdiag.cli import run
from tests.cli_helpers import assert_one_line_error, invoke
from tests.pg import TestDatabase
from tests.test_report_output import strict_loads, validator

SCHEMA = '''datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

model Organization {
  id        Int        @id
  name      String
  customers Customer[]
  tickets   Ticket[]

  @@map("organizations")
}

model Customer {
  id        Int          @id
  orgId     Int          @map("organization_id")
  org       Organization @relation(fields: [orgId], references: [id])
  email     String       @unique
  state     String?      @map("status")
  joinedAt  DateTime     @default(now()) @map("joined_at")

  @@index([email])
  @@index([state], map: "customers_status_idx")
  @@map("customers")
}

model Ticket {
  id        Int          @id
  orgId     Int          @map("organization_id")
  org       Organization @relation(fields: [orgId], references: [id])
  openedAt  DateTime     @map("opened_at")
  priority  Int

  @@map("support_tickets")
}
'''

# What Prisma Migrate creates for SCHEMA (its names), then the hand-made index that is not in it.
DDL = (
    "CREATE TABLE organizations (id int PRIMARY KEY, name text NOT NULL)",
    "CREATE TABLE customers (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations (id), "
    "email text NOT NULL, status text, joined_at timestamptz NOT NULL DEFAULT now())",
    "CREATE TABLE support_tickets (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations (id), "
    "opened_at timestamptz NOT NULL, priority int NOT NULL)",
    "CREATE UNIQUE INDEX customers_email_key ON customers (email)",
    "CREATE INDEX customers_email_idx ON customers (email)",
    "CREATE INDEX customers_status_idx ON customers (status)",
    "CREATE INDEX customers_joined_manual ON customers (joined_at)",
    "INSERT INTO organizations SELECT g, 'org ' || g FROM generate_series(1, 50) g",
    "INSERT INTO customers SELECT g, 1 + g % 50, 'c' || g || '@example.com', 'active', now() "
    "FROM generate_series(1, 3000) g",
    "INSERT INTO support_tickets SELECT g, 1 + g % 50, now() - (hashint4(g) % 100000) * interval '1 minute', g % 5 "
    "FROM generate_series(1, 100000) g",
    "ANALYZE",
)
# A ticket queue: one organisation's tickets, most urgent first, newest first among equals.
QUEUE = ("SELECT id FROM support_tickets WHERE organization_id = $1 "
         "ORDER BY priority ASC, opened_at DESC LIMIT $2")


@pytest.fixture(scope="module")
def prisma_db(db: TestDatabase) -> TestDatabase:
    """The module database laid out as Prisma Migrate makes SCHEMA, with the planted problems and the workload."""
    db.execute(*DDL)
    db.reset_statements()
    db.replay(QUEUE, ((Int4(1 + n % 50), Int4(20)) for n in range(40)))
    return db


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SCHEMA written to a file."""
    path = tmp_path_factory.mktemp("prisma") / "schema.prisma"
    path.write_text(SCHEMA, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def document(prisma_db: TestDatabase, schema_file: Path) -> dict[str, Any]:
    """The JSON report of ``pgdiag scan --prisma-schema FILE --json PATH``, through the real command line."""
    out = schema_file.parent / "report.json"
    assert run(["scan", "-d", prisma_db.dsn, "--prisma-schema", str(schema_file), "--json", str(out)]) == 0
    return strict_loads(out.read_text(encoding="utf-8"))


def line_of(text: str) -> int:
    """The line of SCHEMA that reads `text`, counted from 1."""
    return SCHEMA.splitlines().index(text) + 1


def fixes(document: dict[str, Any], check: str, table: str) -> dict[str | None, str | None]:
    """``object.index`` (or the columns, joined) → ``prisma_fix`` for `check`'s findings about `table`."""
    found = {}
    for finding in document["findings"]:
        if finding["check"] == check and finding["object"]["table"] == table:
            key = finding["object"]["index"] or ",".join(finding["object"]["columns"] or [])
            found[key] = finding.get("prisma_fix")
    return found


def test_report_validates_against_the_schema(document: dict[str, Any]) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(document)]
    assert errors == []
    assert any("prisma_fix" in f for f in document["findings"])


def test_missing_fk_index_names_model_and_field(document: dict[str, Any]) -> None:
    assert fixes(document, "missing_fk_index", "customers") == {
        "organization_id": "model Customer { @@index([orgId]) }"}
    assert fixes(document, "missing_fk_index", "support_tickets") == {
        "organization_id": "model Ticket { @@index([orgId]) }"}


def test_duplicate_index_removes_the_index_line_and_keeps_unique(document: dict[str, Any], schema_file: Path) -> None:
    index_line = line_of("  @@index([email])")
    unique_line = line_of("  email     String       @unique")
    expected = (f"remove `@@index([email])` from model Customer ({schema_file}:{index_line}); `@unique` on field "
                f"email ({schema_file}:{unique_line}) serves the same queries")
    assert fixes(document, "duplicate_index", "customers") == {"customers_email_idx": expected}


def test_unused_indexes_by_map_name_and_not_declared(document: dict[str, Any], schema_file: Path) -> None:
    found = fixes(document, "unused_index", "customers")
    status_line = line_of('  @@index([state], map: "customers_status_idx")')
    assert found["customers_status_idx"] == (f'remove `@@index([state], map: "customers_status_idx")` from model '
                                             f"Customer ({schema_file}:{status_line})")
    assert found["customers_joined_manual"].startswith("nothing to remove from the Prisma schema: model Customer")
    for fix in found.values():  # Prisma names only
        assert "organization_id" not in fix and "customers (" not in fix and "status)" not in fix


def test_missing_index_in_prisma_terms_with_sort(document: dict[str, Any]) -> None:
    advice = [f for f in document["findings"] if f["check"] == "missing_index"]
    assert [f["object"]["table"] for f in advice] == ["support_tickets"]
    [finding] = advice
    assert finding["object"]["columns"] == ["organization_id", "priority", "opened_at"]
    assert "opened_at DESC" in finding["fix_sql"]
    assert finding["prisma_fix"] == "model Ticket { @@index([orgId, priority, openedAt(sort: Desc)]) }"


def test_terminal_and_html_show_the_prisma_fix(prisma_db: TestDatabase, schema_file: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    html = tmp_path / "report.html"
    outcome = invoke(capsys, "scan", "-d", prisma_db.dsn, "--prisma-schema", str(schema_file), "--html", str(html))
    assert outcome.code == 0
    assert "schema.prisma: model Ticket { @@index([orgId])" in " ".join(outcome.out.split())
    page = html.read_text(encoding="utf-8")
    assert "model Customer { @@index([orgId]) }" in page and "In schema.prisma" in page


def test_schema_is_found_in_the_working_directory(prisma_db: TestDatabase, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "prisma").mkdir()
    (tmp_path / "prisma" / "schema.prisma").write_text(SCHEMA, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    outcome = invoke(capsys, "scan", "-d", prisma_db.dsn, "--json", "-")
    assert outcome.code == 0
    found = fixes(json.loads(outcome.out), "unused_index", "customers")
    line = line_of('  @@index([state], map: "customers_status_idx")')
    assert found["customers_status_idx"].endswith(f"(prisma/schema.prisma:{line})")


def test_without_a_schema_there_is_no_prisma_fix(prisma_db: TestDatabase, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    outcome = invoke(capsys, "scan", "-d", prisma_db.dsn, "--json", "-")
    assert outcome.code == 0
    assert not any("prisma_fix" in f for f in json.loads(outcome.out)["findings"])


def test_invalid_schema_is_one_line_with_file_and_line(prisma_db: TestDatabase, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "schema.prisma"
    broken.write_text(SCHEMA.replace("  priority  Int\n", "  priority  Int = 5\n"), encoding="utf-8")
    line = line_of("  priority  Int")
    assert_one_line_error(invoke(capsys, "scan", "-d", prisma_db.dsn, "--prisma-schema", str(broken)),
                          f"invalid Prisma schema {broken}:{line}:")
    assert_one_line_error(invoke(capsys, "scan", "-d", prisma_db.dsn, "--prisma-schema", str(tmp_path / "none")),
                          "does not exist")
