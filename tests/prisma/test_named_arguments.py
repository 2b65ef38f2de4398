"""``prisma_fix`` on a schema written with named arguments (``@map(name: …)``, ``@@map(name: …)``), as a real
project writes it (shaped like formbricks' schema, several files in a folder). Pure mapping: the findings are
built here as the checks emit them, no database is involved.
"""

from __future__ import annotations

from pathlib import Path

from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.prisma.fixes import with_prisma_fixes
from pgdiag.prisma.schema import load_schema

SURVEYS = '''model Survey {
  id          String     @id @default(cuid())
  createdAt   DateTime   @default(now()) @map(name: "created_at")
  workspaceId String
  responses   Response[]
  @@index([workspaceId, createdAt])
}
'''
RESPONSES = '''model Response {
  id        String   @id @default(cuid())
  createdAt DateTime @default(now()) @map(name: "created_at")
  updatedAt DateTime @updatedAt @map(name: "updated_at")
  surveyId  String
  survey    Survey   @relation(fields: [surveyId], references: [id], onDelete: Cascade)
  finished  Boolean  @default(false)
  @@index([createdAt])
  @@index([surveyId, createdAt])
  @@map(name: "responses")
}
'''


def _schema(tmp_path: Path):
    folder = tmp_path / "schema"
    folder.mkdir()
    (folder / "survey.prisma").write_text(SURVEYS, encoding="utf-8")
    (folder / "response.prisma").write_text(RESPONSES, encoding="utf-8")
    return load_schema(folder)


def _finding(check: str, obj: ObjectRef, **extra) -> Finding:
    return Finding(check=check, severity="low", title="t", object=obj, recommendation="r", **extra)


def test_unused_index_of_a_named_map_model_is_found_in_the_schema(tmp_path: Path) -> None:
    unused = _finding("unused_index", ObjectRef(schema="public", table="responses", index="responses_created_at_idx"),
                      evidence={"definition": "CREATE INDEX responses_created_at_idx ON public.responses "
                                              "USING btree (created_at)"})
    [fixed] = with_prisma_fixes([unused], _schema(tmp_path))
    assert fixed.prisma_fix == (f"remove `@@index([createdAt])` from model Response "
                                f"({tmp_path / 'schema' / 'response.prisma'}:8)")


def test_an_index_to_add_names_model_and_fields(tmp_path: Path) -> None:
    missing = _finding("missing_index", ObjectRef(schema="public", table="responses", columns=("finished", "updated_at")),
                       fix_sql='CREATE INDEX CONCURRENTLY responses_finished_updated_at_idx ON public.responses '
                               '(finished, updated_at DESC);')
    declared = _finding("missing_index", ObjectRef(schema="public", table="Survey", columns=("workspaceId",)),
                        fix_sql='CREATE INDEX CONCURRENTLY "Survey_ws_idx" ON public."Survey" ("workspaceId", '
                                'created_at);')
    fixes = [f.prisma_fix for f in with_prisma_fixes([missing, declared], _schema(tmp_path))]
    assert fixes[0] == "model Response { @@index([finished, updatedAt(sort: Desc)]) }"
    assert fixes[1].startswith("model Survey already declares `@@index([workspaceId, createdAt])`")
