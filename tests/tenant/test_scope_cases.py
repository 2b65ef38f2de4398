"""Tenant scoping, case by case: one statement in, the verdict on every tenant-table reference out.

Each `Case` is a statement over the SaaS schema below and the verdict expected for each reference
to a tenant table or to the tenant root, keyed by the reference's name (its alias, else its table;
``#id`` appended when two references share a name). A verdict is how the reference is scoped
(``filter``, ``tenant_join``, ``foreign_key``) or why it is not (``missing``, ``or``, ``neq``,
``outer_join``, ``unproven``), followed by ``via NAME`` when a join carries it, and ``[root]`` for the
tenant root. Global tables and INSERT targets have no verdict, so a case lists exactly the references
the analysis judges. Pure analysis: no database (tests/checks/test_tenant_checks.py runs the checks
on real servers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Collection

import pytest

from pgdiag.sql import analyze
from pgdiag.tenant.model import ForeignKey, TenantSchema
from pgdiag.tenant.scope import RefScope, scope

CATALOGUE: dict[tuple[str, str], list[str]] = {
    ("public", "Organization"): ["id", "name"],
    ("public", "User"): ["id", "organizationId", "email", "name"],
    ("public", "Client"): ["id", "organizationId", "countryId", "name", "deletedAt"],
    ("public", "Project"): ["id", "organizationId", "clientId", "name"],
    ("public", "Alert"): ["id", "organizationId", "projectId", "status", "title", "createdAt", "deletedAt"],
    ("public", "Comment"): ["id", "organizationId", "alertId", "authorId", "parentId", "body"],
    ("public", "Membership"): ["userId", "organizationId", "role"],
    ("public", "AuditLog"): ["organizationId", "action", "detail"],
    ("public", "Task"): ["id", "organizationId", "projectId", "title"],
    ("public", "Country"): ["id", "name"],
    ("public", "Template"): ["id", "organizationId", "body"],
}


def fk(child: str, columns: tuple[str, ...], parent: str, parent_columns: tuple[str, ...] = ("id",)) -> ForeignKey:
    """A foreign key between two tables of the public schema."""
    return ForeignKey(("public", child), columns, ("public", parent), parent_columns)


TENANT_TABLES = ("User", "Client", "Project", "Alert", "Comment", "Membership", "AuditLog", "Task")
SCHEMA = TenantSchema(
    column="organizationId",
    tables=frozenset(("public", t) for t in TENANT_TABLES),  # "Template" is configured global
    root=("public", "Organization"),
    root_key="id",
    foreign_keys=tuple(fk(t, ("organizationId",), "Organization") for t in TENANT_TABLES if t != "AuditLog") + (
        fk("Client", ("countryId",), "Country"),
        fk("Project", ("clientId",), "Client"),
        fk("Alert", ("projectId",), "Project"),
        fk("Comment", ("alertId",), "Alert"),
        fk("Comment", ("authorId",), "User"),
        fk("Comment", ("parentId",), "Comment"),
        fk("Membership", ("userId",), "User"),
        fk("Task", ("organizationId", "projectId"), "Project", ("organizationId", "id")),
    ),
)


@dataclass(frozen=True)
class Case:
    """One statement and the verdict expected for each tenant or root reference in it."""

    id: str
    sql: str
    verdicts: dict[str, str] = field(default_factory=dict)


def columns(schema: str, table: str) -> Collection[str] | None:
    """The catalogue as the `columns` lookup `analyze` takes."""
    return CATALOGUE.get((schema, table))


def render(found: tuple[RefScope, ...], names: list[str]) -> dict[str, str]:
    """The analysis in the compact form of the cases (module docstring)."""
    def name(ref_id: int) -> str:
        return names[ref_id] if names.count(names[ref_id]) == 1 else f"{names[ref_id]}#{ref_id}"

    out = {}
    for item in found:
        verdict = item.how + (f" via {name(item.via.id)}" if item.via is not None else "")
        out[name(item.ref.id)] = verdict + (" [root]" if item.root else "")
    return out


A = 'FROM "Alert" a'
CASES = [
    # Direct filters ----------------------------------------------------------------------------
    Case("eq_param", 'SELECT * FROM "Alert" WHERE "organizationId" = $1 AND status = $2', {"Alert": "filter"}),
    Case("eq_const", 'SELECT * FROM "Alert" WHERE "organizationId" = 42', {"Alert": "filter"}),
    Case("param_written_first", 'SELECT * FROM "Alert" WHERE $1 = "organizationId"', {"Alert": "filter"}),
    Case("cast_param", 'SELECT * FROM "Alert" WHERE "organizationId" = $1::int', {"Alert": "filter"}),
    Case("in_list", 'SELECT * FROM "Alert" WHERE "organizationId" IN ($1, $2)', {"Alert": "filter"}),
    Case("eq_any_array", 'SELECT * FROM "Alert" WHERE "organizationId" = ANY($1)', {"Alert": "filter"}),
    Case("prisma_find_many",
         'SELECT "public"."Alert"."id" FROM "public"."Alert" WHERE ("public"."Alert"."organizationId" = $1 AND '
         '"public"."Alert"."deletedAt" IS NULL) ORDER BY "public"."Alert"."createdAt" DESC LIMIT $2 OFFSET $3',
         {"Alert": "filter"}),
    Case("or_inside_scoped_and",
         f'SELECT * {A} WHERE a."organizationId" = $1 AND (a.status = \'open\' OR a.status = \'acknowledged\')',
         {"a": "filter"}),
    # Filters that do not pin one tenant ------------------------------------------------------------
    Case("missing_filter", 'SELECT * FROM "Alert" WHERE status = $1', {"Alert": "missing"}),
    Case("select_by_id_alone", 'SELECT * FROM "Alert" WHERE id = $1', {"Alert": "missing"}),
    Case("or_bypass_top_level", f'SELECT * {A} WHERE a."organizationId" = $1 AND a.status = $2 OR a.id = $3',
         {"a": "or"}),
    Case("not_around_filter", f'SELECT * {A} WHERE NOT (a."organizationId" = $1)', {"a": "or"}),
    Case("neq_on_tenant_column", f'SELECT * {A} WHERE a."organizationId" <> $1', {"a": "neq"}),
    Case("bang_eq_on_tenant_column", f'SELECT * {A} WHERE a."organizationId" != $1 AND a.id = $2', {"a": "neq"}),
    Case("not_in_on_tenant_column", f'SELECT * {A} WHERE a."organizationId" NOT IN ($1, $2)', {"a": "neq"}),
    Case("distinct_from_tenant", f'SELECT * {A} WHERE a."organizationId" IS DISTINCT FROM $1', {"a": "neq"}),
    Case("range_on_tenant_column", f'SELECT * {A} WHERE a."organizationId" > $1', {"a": "unproven"}),
    Case("tenant_column_vs_expression", f'SELECT * {A} WHERE a."organizationId" = coalesce($1, a."organizationId")',
         {"a": "unproven"}),
    # Joins -------------------------------------------------------------------------------------------
    Case("fk_child_to_parent",
         f'SELECT a.* {A} JOIN "Project" p ON p.id = a."projectId" WHERE p."organizationId" = $1',
         {"a": "foreign_key via p", "p": "filter"}),
    Case("fk_parent_to_child",
         'SELECT p.* FROM "Project" p JOIN "Alert" a ON a."projectId" = p.id WHERE a."organizationId" = $1',
         {"p": "foreign_key via a", "a": "filter"}),
    Case("fk_chain_transitive",
         'SELECT c."name", count(*) FROM "public"."Alert" AS a JOIN "public"."Project" AS p ON p."id" = a."projectId" '
         'JOIN "public"."Client" AS c ON c."id" = p."clientId" WHERE a."organizationId" = $1 GROUP BY c."name"',
         {"a": "filter", "p": "foreign_key via a", "c": "foreign_key via p"}),
    Case("comma_join_in_where",
         'SELECT * FROM "Comment" c, "Alert" a WHERE c."alertId" = a.id AND a."organizationId" = $1',
         {"c": "foreign_key via a", "a": "filter"}),
    Case("tenant_column_join",
         'SELECT * FROM "Client" c JOIN "AuditLog" l ON l."organizationId" = c."organizationId" '
         'WHERE c."organizationId" = $1', {"c": "filter", "l": "tenant_join via c"}),
    Case("join_to_pinned_root",
         'SELECT u.* FROM "User" u JOIN "Organization" o ON o.id = u."organizationId" WHERE o.id = $1',
         {"u": "tenant_join via o", "o": "filter [root]"}),
    Case("join_on_unrelated_columns",
         f'SELECT * {A} JOIN "Project" p ON p.name = a.title WHERE a."organizationId" = $1',
         {"a": "filter", "p": "missing"}),
    Case("fk_join_under_or",
         f'SELECT * {A} JOIN "Project" p ON p.id = a."projectId" OR p.id = 0 WHERE a."organizationId" = $1',
         {"a": "filter", "p": "missing"}),
    Case("composite_fk_needs_every_column",
         'SELECT * FROM "Task" t JOIN "Project" p ON p.id = t."projectId" WHERE t."organizationId" = $1',
         {"t": "filter", "p": "missing"}),
    Case("composite_fk_all_columns",
         'SELECT * FROM "Project" p JOIN "Task" t ON t."projectId" = p.id AND t."organizationId" = p."organizationId" '
         'WHERE t."organizationId" = $1', {"p": "tenant_join via t", "t": "filter"}),
    Case("left_join_preserved_side_stays_open",
         'SELECT * FROM "Project" p LEFT JOIN "Alert" a ON a."projectId" = p.id AND a."organizationId" = $1',
         {"p": "outer_join via a", "a": "filter"}),
    Case("left_join_nullable_side_follows",
         'SELECT * FROM "Project" p LEFT JOIN "Alert" a ON a."projectId" = p.id WHERE p."organizationId" = $1',
         {"p": "filter", "a": "foreign_key via p"}),
    Case("self_referencing_fk",
         'SELECT r.* FROM "Comment" r JOIN "Comment" q ON r."parentId" = q.id WHERE q."organizationId" = $1',
         {"r": "foreign_key via q", "q": "filter"}),
    # Correlated subqueries ---------------------------------------------------------------------------
    Case("exists_correlated_by_fk",
         f'SELECT * {A} WHERE a."organizationId" = $1 AND EXISTS (SELECT 1 FROM "Comment" c WHERE c."alertId" = a.id)',
         {"a": "filter", "c": "foreign_key via a"}),
    Case("exists_does_not_scope_the_outer_reference",
         'SELECT * FROM "Project" p WHERE EXISTS (SELECT 1 FROM "Alert" a WHERE a."projectId" = p.id '
         'AND a."organizationId" = $1)', {"p": "missing", "a": "filter"}),
    Case("outer_filter_written_in_subquery",
         f'SELECT * {A} WHERE EXISTS (SELECT 1 FROM "Comment" c WHERE c."alertId" = a.id AND a."organizationId" = $1)',
         {"a": "unproven", "c": "missing"}),
    Case("scalar_subquery_in_select_list",
         f'SELECT a.id, (SELECT count(*) FROM "Comment" c WHERE c."alertId" = a.id) {A} WHERE a."organizationId" = $1',
         {"a": "filter", "c": "foreign_key via a"}),
    Case("correlated_under_top_level_or",
         f'SELECT * {A} WHERE a."organizationId" = $1 OR EXISTS (SELECT 1 FROM "Comment" c WHERE c."alertId" = a.id)',
         {"a": "or", "c": "missing"}),
    # IN and scalar subqueries ------------------------------------------------------------------------
    Case("in_scoped_subquery_by_fk",
         'SELECT * FROM "Project" WHERE "clientId" IN (SELECT id FROM "Client" WHERE "organizationId" = $1)',
         {"Project": "foreign_key via Client", "Client": "filter"}),
    Case("prisma_some_filter_parent_to_child",
         'SELECT "t0"."id" FROM "public"."Project" AS "t0" WHERE ("t0"."id") IN (SELECT "t1"."projectId" FROM '
         '"public"."Alert" AS "t1" WHERE ("t1"."organizationId" = $1 AND "t1"."projectId" IS NOT NULL))',
         {"t0": "foreign_key via t1", "t1": "filter"}),
    Case("unscoped_in_subquery",
         'SELECT * FROM "Alert" WHERE "organizationId" = $1 AND "projectId" IN '
         '(SELECT id FROM "Project" WHERE name = $2)',
         {"Alert": "filter", "Project": "missing"}),
    Case("in_subquery_both_unscoped",
         'SELECT * FROM "Alert" WHERE "projectId" IN (SELECT id FROM "Project" WHERE name = $1)',
         {"Alert": "missing", "Project": "missing"}),
    Case("in_subquery_under_or",
         'SELECT * FROM "Alert" WHERE status = $2 OR "projectId" IN '
         '(SELECT id FROM "Project" WHERE "organizationId" = $1)',
         {"Alert": "missing", "Project": "filter"}),
    Case("in_subquery_on_unrelated_column",
         'SELECT * FROM "Project" WHERE "clientId" IN (SELECT "projectId" FROM "Alert" WHERE "organizationId" = $1)',
         {"Project": "missing", "Alert": "filter"}),
    Case("tenant_in_unscoped_membership",
         'SELECT * FROM "Alert" WHERE "organizationId" IN '
         '(SELECT "organizationId" FROM "Membership" WHERE "userId" = $1)',
         {"Alert": "unproven", "Membership": "missing"}),
    Case("tenant_eq_scalar_subquery_by_id",
         'SELECT * FROM "Comment" WHERE "organizationId" = (SELECT "organizationId" FROM "Alert" WHERE id = $1)',
         {"Comment": "unproven", "Alert": "missing"}),
    Case("tenant_eq_scoped_scalar_subquery",
         'SELECT * FROM "Comment" WHERE "organizationId" = (SELECT "organizationId" FROM "Alert" WHERE id = $1 '
         'AND "organizationId" = $2)', {"Comment": "tenant_join via Alert", "Alert": "filter"}),
    # CTEs and derived tables ------------------------------------------------------------------------
    Case("scoped_cte",
         'WITH open AS (SELECT * FROM "Alert" WHERE "organizationId" = $1 AND status = \'open\') SELECT * FROM open',
         {"Alert": "filter"}),
    Case("unscoped_cte",
         'WITH recent AS (SELECT id FROM "Alert" ORDER BY "createdAt" DESC LIMIT 10) SELECT * FROM recent',
         {"Alert": "missing"}),
    Case("join_to_scoped_cte",
         'WITH mine AS (SELECT id FROM "Project" WHERE "organizationId" = $1) '
         'SELECT a.* FROM "Alert" a JOIN mine ON a."projectId" = mine.id',
         {"Project": "filter", "a": "foreign_key via Project"}),
    Case("join_to_scoped_cte_star_renamed",
         'WITH mine AS (SELECT * FROM "Project" WHERE "organizationId" = $1) '
         'SELECT a.id FROM "Alert" a JOIN mine m ON a."projectId" = m.id',
         {"Project": "filter", "a": "foreign_key via Project"}),
    Case("cte_column_list_renames",
         'WITH mine(pid) AS (SELECT id FROM "Project" WHERE "organizationId" = $1) '
         'SELECT a.id FROM "Alert" a WHERE a."projectId" IN (SELECT pid FROM mine)',
         {"Project": "filter", "a": "foreign_key via Project"}),
    Case("join_to_unscoped_cte",
         'WITH named AS (SELECT id FROM "Project" WHERE name = $1) SELECT a.* FROM "Alert" a JOIN named n '
         'ON a."projectId" = n.id', {"Project": "missing", "a": "missing"}),
    Case("scoped_derived_table",
         'SELECT * FROM (SELECT id, title FROM "Alert" WHERE "organizationId" = $1) d', {"Alert": "filter"}),
    Case("join_to_scoped_derived_table",
         'SELECT c.* FROM "Comment" c JOIN (SELECT id FROM "Alert" WHERE "organizationId" = $1 LIMIT 20) d '
         'ON c."alertId" = d.id', {"c": "foreign_key via Alert", "Alert": "filter"}),
    Case("derived_table_not_scoped_from_outside",
         f'SELECT * {A} JOIN (SELECT id FROM "Project" WHERE name = $2) p ON a."projectId" = p.id '
         'WHERE a."organizationId" = $1', {"a": "filter", "Project": "missing"}),
    Case("lateral_correlated_by_fk",
         f'SELECT * {A} CROSS JOIN LATERAL (SELECT body FROM "Comment" c WHERE c."alertId" = a.id LIMIT 3) x '
         'WHERE a."organizationId" = $1', {"a": "filter", "c": "foreign_key via a"}),
    Case("recursive_cte_walks_a_scoped_tree",
         'WITH RECURSIVE thread AS (SELECT id FROM "Comment" WHERE "organizationId" = $1 AND "alertId" = $2 '
         'AND "parentId" IS NULL UNION ALL SELECT c.id FROM "Comment" c JOIN thread t ON c."parentId" = t.id) '
         'SELECT * FROM thread', {"Comment": "filter", "c": "foreign_key via Comment"}),
    Case("cte_union_with_unscoped_branch",
         'WITH ids AS (SELECT id FROM "Project" WHERE "organizationId" = $1 UNION SELECT id FROM "Project" '
         'WHERE name = $2) SELECT * FROM "Alert" a WHERE a."projectId" IN (SELECT id FROM ids)',
         {"Project#0": "filter", "Project#1": "missing", "a": "missing"}),
    # Set operations ----------------------------------------------------------------------------------
    Case("union_every_branch_scoped",
         'SELECT id FROM "Alert" WHERE "organizationId" = $1 UNION '
         'SELECT id FROM "Comment" WHERE "organizationId" = $1',
         {"Alert": "filter", "Comment": "filter"}),
    Case("union_branch_unscoped",
         'SELECT id FROM "Alert" WHERE "organizationId" = $1 UNION ALL SELECT id FROM "Comment" WHERE "authorId" = $2',
         {"Alert": "filter", "Comment": "missing"}),
    Case("except_branch_unscoped",
         'SELECT id FROM "Alert" WHERE "organizationId" = $1 EXCEPT SELECT "alertId" FROM "Comment"',
         {"Alert": "filter", "Comment": "missing"}),
    Case("intersect_branches_scoped",
         'SELECT id FROM "Alert" WHERE "organizationId" = $1 INTERSECT SELECT "alertId" FROM "Comment" '
         'WHERE "organizationId" = $1', {"Alert": "filter", "Comment": "filter"}),
    # Writes ---------------------------------------------------------------------------------------------
    Case("update_by_id_alone", 'UPDATE "public"."Alert" SET "status" = $1 WHERE "public"."Alert"."id" = $2',
         {"Alert": "missing"}),
    Case("update_scoped", 'UPDATE "Alert" SET status = $1 WHERE id = $2 AND "organizationId" = $3',
         {"Alert": "filter"}),
    Case("delete_by_id_alone", 'DELETE FROM "Comment" WHERE id = $1', {"Comment": "missing"}),
    Case("delete_scoped", 'DELETE FROM "Comment" WHERE id = $1 AND "organizationId" = $2', {"Comment": "filter"}),
    Case("update_from_scoped_parent",
         'UPDATE "Alert" a SET status = \'closed\' FROM "Project" p WHERE a."projectId" = p.id '
         'AND p."organizationId" = $1',
         {"a": "foreign_key via p", "p": "filter"}),
    Case("update_from_unscoped",
         'UPDATE "Alert" a SET status = \'closed\' FROM "Project" p WHERE a."projectId" = p.id AND p.name = $1',
         {"a": "missing", "p": "missing"}),
    Case("delete_using_scoped_parent",
         'DELETE FROM "Comment" c USING "Alert" a WHERE c."alertId" = a.id AND a."organizationId" = $1 '
         'AND a.status = \'resolved\'', {"c": "foreign_key via a", "a": "filter"}),
    Case("delete_in_unscoped_subquery",
         'DELETE FROM "Comment" WHERE "alertId" IN (SELECT id FROM "Alert" WHERE status = \'resolved\')',
         {"Comment": "missing", "Alert": "missing"}),
    Case("update_in_scoped_subquery",
         'UPDATE "Alert" SET status = \'discussed\' WHERE id IN (SELECT "alertId" FROM "Comment" '
         'WHERE "organizationId" = $1)', {"Alert": "foreign_key via Comment", "Comment": "filter"}),
    Case("data_modifying_cte_by_id",
         'WITH gone AS (DELETE FROM "Alert" WHERE id = $1 RETURNING id) SELECT count(*) FROM gone',
         {"Alert": "missing"}),
    Case("merge_matched_only_is_inner",
         'MERGE INTO "Alert" a USING "Comment" c ON c."alertId" = a.id AND c."organizationId" = $1 '
         'WHEN MATCHED THEN UPDATE SET status = \'discussed\'', {"a": "foreign_key via c", "c": "filter"}),
    Case("insert_values_not_judged", 'INSERT INTO "AuditLog" ("organizationId", action) VALUES ($1, $2)', {}),
    Case("insert_select_scoped",
         'INSERT INTO "AuditLog" ("organizationId", action) SELECT "organizationId", \'export\' FROM "Client" '
         'WHERE "organizationId" = $1', {"Client": "filter"}),
    Case("insert_select_unscoped",
         'INSERT INTO "AuditLog" ("organizationId", action) SELECT "organizationId", \'purge\' FROM "Client" '
         'WHERE "deletedAt" IS NOT NULL', {"Client": "missing"}),
    # Global tables and the tenant root -------------------------------------------------------------
    Case("global_table_alone", 'SELECT * FROM "Country" WHERE name = $1', {}),
    Case("configured_global_table", 'SELECT * FROM "Template" WHERE "organizationId" IS NULL', {}),
    Case("global_table_does_not_scope",
         'SELECT c.* FROM "Client" c JOIN "Country" k ON k.id = c."countryId" WHERE k.id = $1', {"c": "missing"}),
    Case("root_pinned", 'SELECT * FROM "Organization" WHERE id = $1', {"Organization": "filter [root]"}),
    Case("root_listed", 'SELECT id, name FROM "Organization" ORDER BY name', {"Organization": "missing [root]"}),
    Case("root_joined_from_unscoped_child",
         'SELECT o.name FROM "Organization" o JOIN "User" u ON u."organizationId" = o.id WHERE u.id = $1',
         {"o": "missing [root]", "u": "missing"}),
]


def test_case_ids_are_unique() -> None:
    """Every case has its own id, and the table covers at least 40 statements."""
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 40


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_scope(case: Case) -> None:
    """Each tenant or root reference gets the expected verdict, and no other reference gets one."""
    analysis = analyze(case.sql, ("public",), columns)
    assert analysis.statement is not None, analysis.error
    names = [ref.name for ref in analysis.statement.refs]
    assert render(scope(analysis.statement, SCHEMA), names) == case.verdicts
