"""tenant_unfiltered: statements that read or write a tenant table without pinning it to one tenant."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pgdiag.checks._support.tenant import configured_tenant_schema
from pgdiag.checks._support.workload import query_ref
from pgdiag.checks.base import Check
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified, quote_ident
from pgdiag.prisma import is_prisma_database
from pgdiag.prisma.hints import tenant_where_hint
from pgdiag.sql.workload import WorkloadStatement, workload
from pgdiag.tenant.config import TenancyConfig
from pgdiag.tenant.model import TableName, TenantSchema
from pgdiag.tenant.rls import Protection, protection, statement_roles
from pgdiag.tenant.scope import RefScope, scope

WRITES = ("update_target", "delete_target", "merge_target")
REASONS = {
    "missing": "has no condition on {column} and is not joined by a foreign key to a reference that has one",
    "or": "has its {column} condition under OR or NOT, so rows of other tenants match the other branch",
    "neq": "compares {column} with <> (or NOT IN, IS DISTINCT FROM), which selects every other tenant's rows",
    "outer_join": "is the preserved side of an outer join, so the join to the tenant-filtered {via} restricts "
                  "nothing of it",
    "unproven": "compares {column} only with a value pgdiag cannot tie to one tenant (a range, an expression, "
                "a condition written inside a subquery, or a subquery or CTE that is not tenant-filtered itself)",
}


class TenantUnfiltered(Check):
    """Statement that reads or writes a tenant table without restricting it to one tenant.

    **Problem**

    In a multi-tenant database every statement on a tenant table (a table with the tenant column,
    e.g. ``"organizationId"``) should be pinned to the caller's tenant. pgdiag reads each statement of
    ``pg_stat_statements`` with PostgreSQL's parser and judges every table reference on its own query
    level — CTEs, subqueries, each UNION/INTERSECT/EXCEPT branch, UPDATE … FROM, DELETE … USING and
    INSERT … SELECT included. A reference is scoped when a top-level condition (not under OR or NOT)
    compares its tenant column by ``=``, ``IN`` or ``= ANY`` with a parameter or constant, ties it to the
    tenant column of a scoped reference, or joins it by all columns of a foreign key to a scoped
    reference (child to parent or parent to child, transitively, also through the columns a scoped CTE,
    derived table or IN-subquery hands on). ``<>`` on the tenant column is a leak. Global tables (no
    tenant column, or listed in ``[tenancy] global_tables``) and the tenant root table are never
    flagged; statements listed in ``[tenancy] allowed_statements`` (queryid or exact text) are skipped,
    and so are statements only roles listed in ``[tenancy] ignore_roles`` ran (migrations, admin tools:
    pg_stat_statements records a backfill like any query). Each finding names the roles that ran the
    statement (``evidence.roles``).

    Severity is **critical** when an unscoped reference is written (UPDATE, DELETE, MERGE target),
    **high** for reads. When row-level security pins the table to one tenant for those commands
    (a policy on the tenant column), the finding is **info**: the statement is protected — unless the
    role that runs it owns the table and FORCE ROW LEVEL SECURITY is off, in which case RLS does not
    apply to it and the full severity stands.

    **Why it matters**

    A missing tenant predicate is how one customer sees, or overwrites, another customer's data:
    ``UPDATE "Alert" SET status = $1 WHERE id = $2`` lets anyone who can guess an id change another
    tenant's alert. Such statements also read across every tenant's rows, so they cannot use the
    indexes that lead with the tenant column.

    **Fix**

    Add the tenant predicate to the statement (``AND "Alert"."organizationId" = $3``, bound to the
    caller's tenant), or join the table by its foreign key to a table that has it. With Prisma, add the
    field to the ``where`` of the query: ``where: { id, organizationId: tenantId }`` (``update`` and
    ``delete`` accept it beside the unique key from Prisma 5; ``updateMany``/``deleteMany`` before). As a
    second line of defence, enable row-level security with a policy on the tenant column, and FORCE it
    when the application's role owns the tables.
    """

    id: ClassVar[str] = "tenant_unfiltered"
    requires: ClassVar[tuple[str, ...]] = ("statements", "columns", "tables", "foreign_keys")
    uses_tenancy: ClassVar[bool] = True

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per statement and tenant table it leaves unscoped, in workload order (most time first)."""
        config: TenancyConfig = settings.tenancy
        schema = configured_tenant_schema(snapshot, config)
        if schema is None:
            return
        allowed = {text.strip() for text in config.allowed_statements}
        ignored = frozenset(config.ignore_roles)
        prisma = is_prisma_database(snapshot)
        roles = statement_roles(snapshot)
        for item in workload(snapshot).statements:
            if item.ref.queryid in allowed or item.ref.text.strip() in allowed:
                continue
            ran_by = roles.get(item.ref.queryid or "", frozenset())
            if ran_by and ran_by <= ignored:
                continue
            leaks: dict[TableName, list[RefScope]] = {}
            for found in scope(item.statement, schema):
                if not found.scoped and not found.root:
                    leaks.setdefault((found.ref.schema, found.ref.table), []).append(found)
            for table, refs in leaks.items():
                guard = protection(snapshot, table, schema.column, tuple(r.ref.role for r in refs))
                yield _finding(item, table, refs, schema, guard, ran_by, prisma)


def _finding(item: WorkloadStatement, table: TableName, refs: list[RefScope], schema: TenantSchema,
             guard: Protection | None, roles: frozenset[str], prisma: bool) -> Finding:
    """The finding for the unscoped references of one statement to one table."""
    name = qualified(*table)
    column = schema.column
    writes = any(r.ref.role in WRITES for r in refs)
    protected = guard is not None and not guard.bypassed_by(roles)
    severity = "info" if protected else "critical" if writes else "high"
    access = "write" if writes else "read"
    title = (f"{access.capitalize()} of {name} not filtered by {column}, protected by row-level security" if protected
             else f"Cross-tenant {access}: {name} not filtered by {column}")
    recommendation = _recommendation(item, table, refs, column, writes, prisma)
    if roles:
        recommendation = f"Run by {', '.join(sorted(roles))}. {recommendation}"
    evidence: dict[str, Any] = {
        "tenant_column": column,
        "roles": sorted(roles),
        "writes": writes,
        "references": [{"name": r.ref.name, "role": r.ref.role, "reason": r.how,
                        **({"via": r.via.name} if r.via is not None else {})} for r in refs],
        "predicate": _predicate(item, refs[0], column),
    }
    fix_sql = None
    if guard is not None:
        evidence["row_level_security"] = {"policies": list(guard.policies), "forced": guard.forced,
                                          "owner": guard.owner, "statement_roles": sorted(roles)}
        if protected:
            recommendation = (f"Row-level security ({', '.join(guard.policies)}) limits this statement to the "
                              f"session's tenant. Writing the {column} predicate explicitly still helps: the planner "
                              f"can then use indexes that lead with {column}. {recommendation}")
        else:
            recommendation += (f" Row-level security on {name} does not apply here: the statement runs as its owner "
                               f"{guard.owner} and FORCE ROW LEVEL SECURITY is off.")
            fix_sql = f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY;"
    return Finding(
        check=TenantUnfiltered.id,
        severity=severity,
        title=title,
        object=ObjectRef(schema=table[0], table=table[1], columns=(column,)),
        query=query_ref(item.ref),
        evidence=evidence,
        recommendation=recommendation,
        fix_sql=fix_sql,
    )


def _recommendation(item: WorkloadStatement, table: TableName, refs: list[RefScope], column: str, writes: bool,
                    prisma: bool) -> str:
    """Why each reference is unscoped, the predicate to add, and the Prisma form of it."""
    reasons = "; ".join(f"{quote_ident(r.ref.name)} " + REASONS[r.how].format(
        column=quote_ident(column), via=quote_ident(r.via.name) if r.via is not None else "") for r in refs)
    text = (f"{reasons}. Add {_predicate(item, refs[0], column)} (bound to the caller's tenant) to the WHERE "
            f"that names it, or join {qualified(*table)} by a foreign key to a table filtered by "
            f"{quote_ident(column)}.")
    if prisma:
        text += " " + tenant_where_hint(column, writes)
    return text


def _predicate(item: WorkloadStatement, found: RefScope, column: str) -> str:
    """The condition to add for `found`: its tenant column equal to the next free parameter."""
    return f"{quote_ident(found.ref.name)}.{quote_ident(column)} = ${item.statement.n_params + 1}"
