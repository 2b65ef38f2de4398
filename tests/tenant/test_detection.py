"""Tenant column detection on a real server, by name and by structure (docs/tenancy.md): British spelling,
a tenant column named for nothing but its foreign key to the tenant root, and what the report says."""

from __future__ import annotations

from pgdiag.tenant.config import TenancyConfig
from pgdiag.tenant.model import tenancy, tenant_schema
from tests.conftest import run_scan
from tests.pg import TestDatabase


def test_structure_finds_a_tenant_column_its_name_does_not_give_away(db: TestDatabase) -> None:
    """"organisationId" (British) names the root "Organisation"; "ownerOrg" references it on more tables."""
    db.execute(
        'CREATE TABLE "Organisation" ("id" int PRIMARY KEY)',
        'CREATE TABLE "Member" ("id" int PRIMARY KEY, "organisationId" int REFERENCES "Organisation")',
        'CREATE TABLE "Team" ("id" int PRIMARY KEY, "organisationId" int REFERENCES "Organisation")',
        *[f'CREATE TABLE "{t}" ("id" int PRIMARY KEY, "ownerOrg" int REFERENCES "Organisation", '
          '"createdBy" int REFERENCES "Member")' for t in ("Document", "Envelope", "Folder")],
        'CREATE VIEW "DocumentView" AS SELECT * FROM "Document"',
        "ANALYZE")
    snapshot = run_scan(db).snapshot
    detected = tenancy(snapshot, TenancyConfig())
    assert detected.to_dict() == {"column": "ownerOrg", "source": "detected", "candidates": [
        {"column": "ownerOrg", "tables": 3}, {"column": "organisationId", "tables": 2}]}  # the view does not count
    schema = tenant_schema(snapshot, TenancyConfig())
    assert (schema.root, schema.root_key) == (("public", "Organisation"), "id")
    assert schema.tables == {("public", t) for t in ("Document", "Envelope", "Folder")}

    configured = tenancy(snapshot, TenancyConfig(tenant_column="organisationId"))
    assert (configured.column, configured.source) == ("organisationId", "configured")
    assert configured.describe() == 'tenant column "organisationId", configured (also seen: "ownerOrg" on 3)'


def test_no_tenant_column_says_how_to_set_one(db: TestDatabase) -> None:
    """Runs last in this module: it empties the module's database."""
    db.execute("DROP SCHEMA public CASCADE", "CREATE SCHEMA public", 'CREATE TABLE "Country" ("id" int PRIMARY KEY)')
    result = run_scan(db)
    assert result.checks.tenancy.to_dict() == {"column": None, "source": "none", "candidates": []}
    assert "set tenant_column in [tenancy] of pgdiag.toml, or pass --tenant-column" in result.checks.tenancy.describe()
