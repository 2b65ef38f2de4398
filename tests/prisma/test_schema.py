"""The Prisma schema grammar and the database-name mapping, case by case. Pure parsing: no database.

Each `Case` is a schema text and what it must yield in a compact form (`render`): per model its table
(``@@map``), ``@@schema``, every scalar field as ``field:column``, and every declared index as
``kind name [field:column:desc…] @line``. Syntax errors must name the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from pgdiag.prisma.locate import find_schema, resolve_schema
from pgdiag.prisma.mapping import PrismaMapping, default_index_name
from pgdiag.prisma.schema import PrismaSchemaError, Schema, parse_schema


@dataclass(frozen=True)
class Case:
    """A schema and its compact form."""

    id: str
    text: str
    expected: dict[str, dict[str, object]]


def render(schema: Schema) -> dict[str, dict[str, object]]:
    """Models (not views or composite types) in the compact form described above."""
    mapping = PrismaMapping(schema)
    out = {}
    for model in schema.models:
        if model.kind != "model":
            continue
        out[model.name] = {
            "table": mapping.table_name(model), "schema": mapping.schema_name(model),
            "columns": [f"{f.name}:{mapping.column_name(f)}" for f in model.fields if mapping.is_scalar(f)],
            "indexes": [f"{d.kind} {d.name} [{' '.join(f'{k.field}:{k.column}:{int(k.descending)}' for k in d.fields)}]"
                        f" @{d.attribute.line}" for d in mapping.declared_indexes(model)],
        }
    return out


CASES = [
    Case("defaults", '''model User {
  id    Int    @id @default(autoincrement())
  email String @unique
  name  String?
  @@index([name])
}''', {"User": {"table": "User", "schema": None, "columns": ["id:id", "email:email", "name:name"],
                "indexes": ["index User_name_idx [name:name:0] @5", "id User_pkey [id:id:0] @2",
                            "unique User_email_key [email:email:0] @3"]}}),
    Case("maps-and-schema", '''datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL") // trailing comment
  schemas  = ["base"]
}

/// Customers of an organisation.
model Customer {
  id        String   @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  orgId     Int      @map("organization_id")
  org       Org      @relation(fields: [orgId], references: [id], onDelete: Cascade)
  createdAt DateTime @default(now()) @map("created_at") @db.Timestamptz(6)

  @@index([orgId, createdAt(sort: Desc)])
  @@index(fields: [createdAt], map: "customers_recent")
  @@map("customers")
  @@schema("base")
}

model Org {
  id        Int        @id
  customers Customer[]
  @@schema("base")
}''', {"Customer": {"table": "customers", "schema": "base",
                    "columns": ["id:id", "orgId:organization_id", "createdAt:created_at"],
                    "indexes": ["index customers_organization_id_created_at_idx "
                                "[orgId:organization_id:0 createdAt:created_at:1] @14",
                                "index customers_recent [createdAt:created_at:0] @15",
                                "id customers_pkey [id:id:0] @9"]},
           "Org": {"table": "Org", "schema": "base", "columns": ["id:id"], "indexes": ["id Org_pkey [id:id:0] @21"]}}),
    Case("compound-and-legacy-names", '''model Member {
  teamId Int    @map("team_id")
  userId Int
  role   String @unique(map: "member_role_uq", sort: Desc)
  @@id([teamId, userId])
  @@unique([userId, role], name: "userRole")
  @@index([role], name: "legacy_role_index")
}''', {"Member": {"table": "Member", "schema": None, "columns": ["teamId:team_id", "userId:userId", "role:role"],
                  "indexes": ["id Member_pkey [teamId:team_id:0 userId:userId:0] @5",
                              "unique Member_userId_role_key [userId:userId:0 role:role:0] @6",
                              "index legacy_role_index [role:role:0] @7",
                              "unique member_role_uq [role:role:1] @4"]}}),
    # Every attribute form of Prisma's reference, positional and named, as real projects write them.
    Case("named-map-arguments", '''model Response {
  id        String   @id @default(cuid())
  createdAt DateTime @default(now()) @map(name: "created_at")
  surveyId  String   @map(name: "survey_id")
  @@index([surveyId, createdAt])
  @@map(name: "responses")
}''', {"Response": {"table": "responses", "schema": None,
                    "columns": ["id:id", "createdAt:created_at", "surveyId:survey_id"],
                    "indexes": ["index responses_survey_id_created_at_idx [surveyId:survey_id:0 createdAt:created_at:0] @5",
                                "id responses_pkey [id:id:0] @2"]}}),
    Case("named-fields-map-and-name", '''model Seat {
  org   Int    @map("org_id")
  slot  Int
  code  String @unique(map: "seat_code") @db.VarChar(12)
  note  String @db.Text
  @@id(fields: [org, slot], name: "orgSlot", map: "seat_pk")
  @@unique(fields: [slot, note], name: "slotNote", map: "seat_slot_note")
  @@index(fields: [note(length: 20)], map: "seat_note_prefix")
  @@index(fields: [slot(sort: Desc)], name: "seat_slot_desc")
  @@map(name: "seats")
  @@schema(name: "booking")
}''', {"Seat": {"table": "seats", "schema": "booking",
                "columns": ["org:org_id", "slot:slot", "code:code", "note:note"],
                "indexes": ["id seat_pk [org:org_id:0 slot:slot:0] @6",
                            "unique seat_slot_note [slot:slot:0 note:note:0] @7",
                            "index seat_note_prefix [note:note:0] @8",
                            "index seat_slot_desc [slot:slot:1] @9",
                            "unique seat_code [code:code:0] @4"]}}),
    Case("index-types-ops-and-relations", '''model Doc {
  id       Int      @id(map: "doc_pk") @default(autoincrement())
  ownerId  Int      @map("owner_id")
  owner    User     @relation(name: "owned", fields: [ownerId], references: [id], onDelete: Cascade, map: "doc_owner_fk")
  data     Json     @default("{}")
  tags     String[] @default([])
  score    Float    @default(-1.5)
  live     Boolean  @default(true)
  title    String   @unique(sort: Desc, length: 100, clustered: false)
  updated  DateTime @updatedAt @db.Timestamptz(3)
  legacy   String?  @ignore
  @@index([data(ops: JsonbPathOps)], type: Gin)
  @@index([ownerId, tags], type: Hash, clustered: false)
  @@fulltext([title])
}
model User {
  id   Int   @id
  docs Doc[] @relation("owned")
  @@ignore
}''', {"Doc": {"table": "Doc", "schema": None,
               "columns": ["id:id", "ownerId:owner_id", "data:data", "tags:tags", "score:score", "live:live",
                           "title:title", "updated:updated", "legacy:legacy"],
               "indexes": ["index Doc_data_idx [data:data:0] @12", "index Doc_owner_id_tags_idx "
                           "[ownerId:owner_id:0 tags:tags:0] @13", "id doc_pk [id:id:0] @2",
                           "unique Doc_title_key [title:title:1] @9"]},
          "User": {"table": "User", "schema": None, "columns": ["id:id"], "indexes": ["id User_pkey [id:id:0] @17"]}}),
    Case("keywords-types-and-other-blocks", '''generator client {
  provider = "prisma-client-js"
}
enum Role {
  USER
  ADMIN @map("admin")
  @@map("role")
}
type Address {
  street String
}
view ActiveUser {
  id Int @unique
}
model Thing {
  id    Int                      @id
  model String?
  type  Role                     @default(USER)
  enum  String[]
  geo   Unsupported("geometry")?
  view  Int                      @default(-1)
}''', {"Thing": {"table": "Thing", "schema": None,
                 "columns": ["id:id", "model:model", "type:type", "enum:enum", "geo:geo", "view:view"],
                 "indexes": ["id Thing_pkey [id:id:0] @16"]}}),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_schema_case(case: Case) -> None:
    assert render(parse_schema(case.text, "schema.prisma")) == case.expected


def test_attributes_keep_their_text_and_arguments() -> None:
    schema = parse_schema('model A {\n  id Int @id\n  b  String @db.VarChar(255)\n'
                          '  @@index([b(sort: Desc, ops: raw("text_pattern_ops"))], type: BTree, map: "a_b")\n}')
    model = schema.model("A")
    [index] = model.attributes_named("index")
    assert index.text == '@@index([b(sort: Desc, ops: raw("text_pattern_ops"))], type: BTree, map: "a_b")'
    assert (index.line, index.arg("map"), index.arg("type").name) == (4, "a_b", "BTree")
    assert model.field("b").attribute("db.VarChar").arg(None) == 255
    text = "model B {\n  a String?\n  b Int[]\n  c Unsupported(\"circle\")[]?\n  d Json\n}"
    fields = parse_schema(text).models[0].fields
    assert [(f.name, f.type, f.optional, f.is_list) for f in fields] == [
        ("a", "String", True, False), ("b", "Int", False, True), ("c", "Unsupported", True, True),
        ("d", "Json", False, False)]
    assert schema.models[0].file == "schema.prisma" and schema.models[0].line == 1


@pytest.mark.parametrize("text, where", [
    ("model A {\n  id Int @id\n", "x.prisma:2:"),          # block never closed: where the file ends
    ("model A {\n  id Int @id\n  name\n}\n", "x.prisma:4:1"),  # a field without a type
    ("model A {\n  id Int @id @default(\n}\n", "x.prisma:3:1"),
    ("model A {\n  id Int # @id\n}\n", "x.prisma:2:10"),
    ("modle A {\n}\n", "x.prisma:1:1"),
])
def test_syntax_errors_name_file_and_line(text: str, where: str) -> None:
    with pytest.raises(PrismaSchemaError) as error:
        parse_schema(text, "x.prisma")
    message = str(error.value)
    assert f"invalid Prisma schema {where}" in message and "\n" not in message


def test_default_index_names_are_cut_as_prisma_cuts_them() -> None:
    long_table, long_column = "a" * 40, "b" * 30
    name = default_index_name(long_table, [long_column], "index")
    assert name == (long_table + "_" + long_column)[:59] + "_idx" and len(name) == 63
    assert default_index_name("t" * 70, ["x"], "id") == "t" * 58 + "_pkey"
    assert default_index_name("User", ["organization_id", "email"], "unique") == "User_organization_id_email_key"


def test_models_are_found_by_table_and_schema() -> None:
    schema = parse_schema('model A {\n id Int @id\n @@map("t")\n @@schema("one")\n}\n'
                          'model B {\n id Int @id\n @@map("t")\n}\n')
    mapping = PrismaMapping(schema)
    assert mapping.model_for("one", "t").name == "A"    # its own @@schema first
    assert mapping.model_for("public", "t").name == "B"  # else a model without @@schema
    assert mapping.model_for("public", "A") is None      # @@map replaces the model's name as table name


def test_schema_folder_and_discovery(tmp_path: Path) -> None:
    folder = tmp_path / "prisma" / "schema"
    folder.mkdir(parents=True)
    (folder / "base.prisma").write_text('datasource db {\n provider = "postgresql"\n url = env("DB")\n}\n')
    (folder / "user.prisma").write_text('model User {\n  id Int @id\n}\n')
    assert find_schema(tmp_path) == Path("prisma/schema")
    schema = resolve_schema(None, tmp_path)
    assert [(m.name, m.file) for m in schema.models] == [("User", str(Path("prisma/schema/user.prisma")))]

    (tmp_path / "prisma" / "schema.prisma").write_text('model Single {\n  id Int @id\n}\n')
    assert find_schema(tmp_path) == Path("prisma/schema.prisma")  # Prisma's own order
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "app.prisma").write_text('model Configured {\n  id Int @id\n}\n')
    (tmp_path / "package.json").write_text('{"name": "app", "prisma": {"schema": "db/app.prisma"}}')
    assert [m.name for m in resolve_schema(None, tmp_path).models] == ["Configured"]
    assert find_schema(tmp_path / "db") is None
    with pytest.raises(PrismaSchemaError, match="does not exist"):
        resolve_schema(tmp_path / "nope.prisma", tmp_path)


def test_prisma_config_ts_names_the_schema_folder(tmp_path: Path) -> None:
    """Prisma 6+'s prisma.config.ts comes first when its schema is a string literal (formbricks' layout)."""
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "main.prisma").write_text('model Main {\n  id Int @id\n}\n')
    (tmp_path / "prisma").mkdir()
    (tmp_path / "prisma" / "schema.prisma").write_text('model Default {\n  id Int @id\n}\n')
    (tmp_path / "prisma.config.ts").write_text(
        'import { defineConfig } from "prisma/config";\nexport default defineConfig({\n  schema: "./schema",\n'
        '  migrations: { path: "./migration" },\n});\n')
    assert find_schema(tmp_path) == Path("schema")
    (tmp_path / "prisma.config.ts").write_text('export default defineConfig({ schema: path.join("db", "x") });\n')
    assert find_schema(tmp_path) == Path("prisma/schema.prisma")  # a computed path is not run: Prisma's defaults
