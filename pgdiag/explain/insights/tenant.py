"""Tenancy: a table that belongs to tenants, read by this plan without any tenant predicate.

Deliberately simple (the scan's tenant analysis, DESIGN §7, is the full one): a reference is
scoped when a top-level condition pins its tenant column to a parameter or constant, or when a
top-level join key ties it to a scoped reference, tenant column to tenant column or along a
declared foreign key (child to parent or parent to child).
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterator

from pgdiag.core.lazy import pandas as pd

from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.explain.insights.base import Insight, InsightContext
from pgdiag.explain.plan import PlanNode
from pgdiag.sql import Statement, TableRef

PINNING_OPS = ("eq", "in", "any")
WRITES = ("update_target", "delete_target", "merge_target")
ForeignKeyPairs = frozenset[tuple[str, str, str, str, str, str]]
"""(child schema, child table, child column, parent schema, parent table, parent column) of declared keys."""


class TenantUnfiltered(Insight):
    """A table that has the tenant column is read without a predicate on it.

    Fires for each table reference of the statement whose table has the tenant column (DESIGN §7's
    detection) and that the plan reads, when no top-level condition pins the tenant column and no
    join ties the reference to one that is pinned; medium for reads, high for UPDATE, DELETE and
    MERGE targets (they change other tenants' rows). Every query of a multi-tenant application
    should be scoped to one tenant: without it, one tenant sees or changes another's data, and the
    query reads every tenant's rows.
    """

    id: ClassVar[str] = "plan_tenant_unfiltered"

    def run(self, context: InsightContext, settings: Any) -> Iterator[Finding]:
        """This insight's findings in `context`'s plan."""
        statement, column = context.statement, context.tenant_column
        if statement is None or column is None:
            return
        scoped = scoped_refs(statement, column, context.foreign_keys)
        for ref in statement.refs:
            if ref.id in scoped or ref.role == "insert_target" or (ref.schema, ref.table) not in context.tenant_tables:
                continue
            node = _node_reading(context.plan.nodes, ref)
            if node is None:
                continue
            writes = ref.role in WRITES
            yield context.finding(
                "plan_tenant_unfiltered", "high" if writes else "medium", node,
                title=f"{ref.table} is {'changed' if writes else 'read'} without a predicate on {column}",
                why=f"{ref.table} holds every tenant's rows and nothing in this statement limits it to one tenant, so "
                    f"it {'changes' if writes else 'returns'} other tenants' rows and reads all of them.",
                action=f"Add {column} = $n for the current tenant to the statement (or join it to a table that has one).",
                evidence={"tenant_column": column, "role": ref.role},
                obj=ObjectRef(schema=ref.schema, table=ref.table, columns=(column,)))

def scoped_refs(statement: Statement, column: str, foreign_keys: ForeignKeyPairs) -> set[int]:
    """Ids of the references pinned to one tenant, directly or through joins to pinned ones."""
    scoped = {p.ref for block in statement.blocks for p in block.predicates
              if p.column == column and p.top_level and p.op in PINNING_OPS and p.value in ("param", "const")}
    joins = [j for block in statement.blocks for j in block.joins if j.top_level]
    changed = True
    while changed:
        changed = False
        for join in joins:
            left, right = statement.ref(join.left_ref), statement.ref(join.right_ref)
            if not _carries_scope(left, join.left_column, right, join.right_column, column, foreign_keys):
                continue
            for a, b in ((left.id, right.id), (right.id, left.id)):
                if a in scoped and b not in scoped:
                    scoped.add(b)
                    changed = True
    return scoped


def foreign_key_pairs(foreign_keys: pd.DataFrame) -> ForeignKeyPairs:
    """Column pairs of every declared foreign key, from the ``foreign_keys`` frame."""
    pairs: set[tuple[str, str, str, str, str, str]] = set()
    if foreign_keys.empty:
        return frozenset()
    for row in foreign_keys.to_dict("records"):
        for child, parent in zip(list(row["columns"]), list(row["parent_columns"])):
            pairs.add((row["schema"], row["table"], child, row["parent_schema"], row["parent_table"], parent))
    return frozenset(pairs)


def _carries_scope(left: TableRef, left_column: str, right: TableRef, right_column: str, column: str,
                   foreign_keys: ForeignKeyPairs) -> bool:
    """Whether equal values in these columns put both rows in the same tenant."""
    if left_column == column and right_column == column:
        return True
    forward = (left.schema, left.table, left_column, right.schema, right.table, right_column)
    backward = (right.schema, right.table, right_column, left.schema, left.table, left_column)
    return forward in foreign_keys or backward in foreign_keys


def _node_reading(nodes: list[PlanNode], ref: TableRef) -> PlanNode | None:
    """The plan node that reads `ref`: same table and alias, else the first scan of the table."""
    scans = [n for n in nodes if n.relation == ref.table and n.node_type != "ModifyTable"]
    by_alias = [n for n in scans if n.alias == ref.name]
    return (by_alias or scans or [None])[0]
