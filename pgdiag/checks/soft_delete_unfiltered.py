"""soft_delete_unfiltered: reads of soft-deleted tables that do not leave the deleted rows out."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pgdiag.checks._support.workload import query_ref
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified, quote_ident
from pgdiag.prisma import is_prisma_database
from pgdiag.sql import Statement, TableRef
from pgdiag.sql.workload import WorkloadStatement, workload
from pgdiag.tenant.model import TableName


class SoftDeleteUnfiltered(Check):
    """Statement that reads a soft-deleted table without leaving the deleted rows out.

    **Problem**

    A table has a soft-delete column (``deletedAt`` or ``deleted_at`` by default: rows are marked
    deleted instead of removed) and a statement reads it — in a SELECT, a subquery, a CTE, the FROM of
    an UPDATE or DELETE, or the source of an INSERT — without any condition on that column. A condition
    anywhere on the reference (``"deletedAt" IS NULL``, ``IS NOT NULL`` for a trash view, a range for a
    purge job) counts as handling it deliberately. Severity is **low**.

    **Why it matters**

    Deleted rows come back: a deleted client reappears in a listing, counts include removed records,
    and a restored-looking row can be edited. Reading them also costs time, and an index on live rows
    (``WHERE "deletedAt" IS NULL``) cannot serve the statement.

    **Fix**

    Add ``AND "Client"."deletedAt" IS NULL`` to the statement. With Prisma, add ``deletedAt: null`` to
    the ``where`` of the query, or apply it to every read of the model with a client extension
    (``$extends({ query: { client: { findMany({ args, query }) { … } } } })``).
    """

    id: ClassVar[str] = "soft_delete_unfiltered"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "columns": Threshold(["deletedAt", "deleted_at"], "column names that mark a row as soft-deleted"),
    }
    requires: ClassVar[tuple[str, ...]] = ("statements", "columns")

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per statement and soft-deleted table it reads without a condition on the column."""
        marked = _soft_delete_columns(snapshot, settings.columns)
        if not marked:
            return
        prisma = is_prisma_database(snapshot)
        for item in workload(snapshot).statements:
            unfiltered: dict[TableName, list[TableRef]] = {}
            for ref in item.statement.refs:
                column = marked.get((ref.schema, ref.table))
                if ref.role == "read" and column is not None and not _mentions(item.statement, ref, column):
                    unfiltered.setdefault((ref.schema, ref.table), []).append(ref)
            for table, refs in unfiltered.items():
                yield _finding(item, table, refs, marked[table], prisma)


def _soft_delete_columns(snapshot: Snapshot, names: list[str]) -> dict[TableName, str]:
    """Per table, its soft-delete column (the first of `names` it has)."""
    columns = snapshot.frame("columns")
    if columns.empty:
        return {}
    found: dict[TableName, str] = {}
    for name in names:
        holders = columns.loc[columns["column"] == name, ["schema", "table"]]
        for schema, table in holders.itertuples(index=False, name=None):
            found.setdefault((str(schema), str(table)), name)
    return found


def _mentions(statement: Statement, ref: TableRef, column: str) -> bool:
    """Whether any condition of the statement is on `column` of `ref`."""
    return any(p.column == column for p in statement.predicates_on(ref.id))


def _finding(item: WorkloadStatement, table: TableName, refs: list[TableRef], column: str, prisma: bool) -> Finding:
    """The finding for the unfiltered references of one statement to one soft-deleted table."""
    name = qualified(*table)
    condition = f"{quote_ident(refs[0].name)}.{quote_ident(column)} IS NULL"
    recommendation = (f"Leave deleted rows out: add {condition} to the WHERE that reads {name}, or a condition on "
                      f"{quote_ident(column)} that says which rows the statement means.")
    if prisma:
        recommendation += f" In Prisma: add {column}: null to the query's where."
    return Finding(
        check=SoftDeleteUnfiltered.id,
        severity="low",
        title=f"Statement reads {name} without a {column} condition: soft-deleted rows included",
        object=ObjectRef(schema=table[0], table=table[1], columns=(column,)),
        query=query_ref(item.ref),
        evidence={"soft_delete_column": column, "references": [r.name for r in refs], "predicate": condition},
        recommendation=recommendation,
    )
