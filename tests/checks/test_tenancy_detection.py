"""The tenant column as apps name it, on real servers: a database tenanted by ``workspace_id`` (a Prisma
schema's ``workspaceId``, mapped with ``@map(name: …)``), shaped like formbricks' (workspaces belong to
organizations; surveys, responses and tags belong to a workspace).

Through the real command line: the JSON's ``tenancy`` names the column and how it was chosen, a statement
without it is flagged with the Prisma hint in the schema's names, every output says which column was used,
and statements only a migration role ran are not tenant findings once that role is in ``[tenancy]
ignore_roles``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from psycopg.types.numeric import Int4

from tests.checks.test_tenant_checks import replay_as
from tests.cli_helpers import invoke
from tests.pg import TestDatabase
from tests.test_report_output import strict_loads, validator

APP, MIGRATOR = "pgdiag_t18_app", "pgdiag_t18_migrator"
SCHEMA = '''model Workspace {
  id             Int      @id
  organizationId Int      @map(name: "organization_id")
  surveys        Survey[]
  @@map(name: "workspaces")
}

model Survey {
  id          Int        @id
  workspaceId Int        @map(name: "workspace_id")
  workspace   Workspace  @relation(fields: [workspaceId], references: [id])
  responses   Response[]
  @@map(name: "surveys")
}

model Response {
  id          Int     @id
  workspaceId Int     @map(name: "workspace_id")
  surveyId    Int     @map(name: "survey_id")
  survey      Survey  @relation(fields: [surveyId], references: [id])
  data        String?
  @@index([workspaceId, surveyId])
  @@map(name: "responses")
}
'''
UNSCOPED = "SELECT id, data FROM responses WHERE survey_id = $1"
SCOPED = "SELECT id FROM responses WHERE workspace_id = $1 AND survey_id = $2"
BACKFILL = "UPDATE responses SET data = $1 WHERE data IS NULL AND id > $2"


@pytest.fixture(scope="module")
def workspaces(db: TestDatabase, tmp_path_factory: pytest.TempPathFactory) -> tuple[TestDatabase, Path]:
    """The database, its workload (the application's reads, a migration's backfill) and the schema folder."""
    db.execute(
        f"DROP ROLE IF EXISTS {APP}", f"CREATE ROLE {APP}", f"DROP ROLE IF EXISTS {MIGRATOR}", f"CREATE ROLE {MIGRATOR}",
        'CREATE TABLE _prisma_migrations (id text PRIMARY KEY)',
        "CREATE TABLE organizations (id int PRIMARY KEY)",
        "CREATE TABLE workspaces (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations)",
        "CREATE TABLE members (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations)",
        "CREATE TABLE surveys (id int PRIMARY KEY, workspace_id int NOT NULL REFERENCES workspaces)",
        "CREATE TABLE responses (id int PRIMARY KEY, workspace_id int NOT NULL REFERENCES workspaces, "
        "survey_id int NOT NULL REFERENCES surveys, data text)",
        "CREATE TABLE tags (id int PRIMARY KEY, workspace_id int NOT NULL REFERENCES workspaces, name text)",
        "CREATE INDEX responses_workspace_id_survey_id_idx ON responses (workspace_id, survey_id)",
        "INSERT INTO organizations VALUES (1), (2)",
        "INSERT INTO workspaces SELECT g, 1 + g % 2 FROM generate_series(1, 4) g",
        "INSERT INTO surveys SELECT g, 1 + g % 4 FROM generate_series(1, 20) g",
        "INSERT INTO responses SELECT g, 1 + (g % 20) % 4, 1 + g % 20, NULL FROM generate_series(1, 2000) g",
        f"GRANT SELECT, UPDATE ON ALL TABLES IN SCHEMA public TO {APP}, {MIGRATOR}",
        "ANALYZE")
    db.reset_statements()
    replay_as(db, APP, UNSCOPED, [(Int4(s),) for s in range(1, 21)])
    replay_as(db, APP, SCOPED, [(Int4(1), Int4(s)) for s in range(1, 21)])
    replay_as(db, MIGRATOR, BACKFILL, [("{}", Int4(0))])
    folder = tmp_path_factory.mktemp("t18") / "schema"
    folder.mkdir()
    (folder / "workspace.prisma").write_text(SCHEMA.split("model Survey")[0], encoding="utf-8")
    (folder / "survey.prisma").write_text("model Survey" + SCHEMA.split("model Survey")[1], encoding="utf-8")
    return db, folder


def scan_json(capsys: pytest.CaptureFixture[str], db: TestDatabase, *options: str) -> dict[str, Any]:
    """The JSON report of ``pgdiag scan`` with `options`, validated against the schema."""
    outcome = invoke(capsys, "scan", "-d", db.dsn, "--json", "-", *options)
    assert outcome.code == 0, outcome.err
    document = strict_loads(outcome.out)
    assert [e.message for e in validator().iter_errors(document)] == []
    return document


def tenant_findings(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """tenant_unfiltered findings by statement text."""
    return {f["query"]["text"]: f for f in document["findings"] if f["check"] == "tenant_unfiltered"}


def test_workspace_id_is_detected_and_its_leaks_named_in_prisma_terms(
        capsys: pytest.CaptureFixture[str], workspaces: tuple[TestDatabase, Path]) -> None:
    db, folder = workspaces
    document = scan_json(capsys, db, "--prisma-schema", str(folder))
    assert document["tenancy"] == {"column": "workspace_id", "source": "detected", "candidates": [
        {"column": "workspace_id", "tables": 3}, {"column": "organization_id", "tables": 1}]}
    found = tenant_findings(document)
    assert set(found) == {UNSCOPED, BACKFILL}
    read = found[UNSCOPED]
    assert read["severity"] == "high" and read["evidence"]["tenant_column"] == "workspace_id"
    assert read["evidence"]["roles"] == [APP]
    assert ("In Prisma: add workspaceId to the where of the prisma.response query "
            "(where: { workspaceId: tenantId }).") in read["recommendation"]
    assert "workspace_id:" not in read["recommendation"]
    write = found[BACKFILL]
    assert write["severity"] == "critical" and write["evidence"]["roles"] == [MIGRATOR]
    assert "where: { id, workspaceId: tenantId }" in write["recommendation"]
    # @map(name: …) and @@map(name: …) tie the index advice to the model and field too
    fk = [f for f in document["findings"] if f["check"] == "missing_fk_index" and f["object"]["table"] == "responses"]
    assert [f.get("prisma_fix") for f in fk] == ["model Response { @@index([surveyId]) }"]
    [surveys] = [f for f in document["findings"] if f["check"] == "tenant_index_missing"
                 and f["object"]["table"] == "surveys"]
    assert surveys["prisma_fix"] == "model Survey { @@index([workspaceId]) }"
    assert surveys["recommendation"].endswith("In schema.prisma: @@index([workspaceId]) on model Survey.")


def test_without_a_schema_the_hint_names_the_column(capsys: pytest.CaptureFixture[str],
                                                    workspaces: tuple[TestDatabase, Path], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    db, _ = workspaces
    monkeypatch.chdir(tmp_path)  # no schema to find here
    read = tenant_findings(scan_json(capsys, db))[UNSCOPED]
    assert "In Prisma: add workspace_id to the query's where (where: { workspace_id: tenantId })." \
        in read["recommendation"]


def test_ignore_roles_leaves_out_the_migration_role(capsys: pytest.CaptureFixture[str],
                                                   workspaces: tuple[TestDatabase, Path], tmp_path: Path) -> None:
    db, folder = workspaces
    config = tmp_path / "pgdiag.toml"
    config.write_text(f'[tenancy]\nignore_roles = ["{MIGRATOR}"]\n', encoding="utf-8")
    found = tenant_findings(scan_json(capsys, db, "--prisma-schema", str(folder), "--config", str(config)))
    assert set(found) == {UNSCOPED}
    config.write_text(f'[tenancy]\nignore_roles = ["{APP}", "{MIGRATOR}"]\ntenant_column = "organization_id"\n',
                      encoding="utf-8")
    document = scan_json(capsys, db, "--config", str(config))
    assert document["tenancy"]["source"] == "configured" and document["tenancy"]["column"] == "organization_id"
    assert tenant_findings(document) == {}


def test_every_output_says_which_column_was_used(capsys: pytest.CaptureFixture[str],
                                                 workspaces: tuple[TestDatabase, Path], tmp_path: Path) -> None:
    db, _ = workspaces
    html, markdown = tmp_path / "r.html", tmp_path / "r.md"
    outcome = invoke(capsys, "scan", "-d", db.dsn, "--html", str(html), "--markdown", str(markdown))
    assert outcome.code == 0, outcome.err
    line = 'tenant column "workspace_id", detected on 3 tables (also seen: "organization_id" on 1)'
    assert line in " ".join(outcome.out.split())
    assert line in markdown.read_text(encoding="utf-8").replace("\\", "")  # Markdown escapes the underscores
    assert line.replace('"', "&#34;") in html.read_text(encoding="utf-8")

