"""tenant_index_missing: tenant tables with no index that leads with the tenant column."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

import pandas as pd

from pgdiag.checks._support.catalog import partitioned_tables
from pgdiag.checks._support.tenant import configured_tenant_schema
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import create_index_sql, index_name, qualified, quote_ident
from pgdiag.prisma import is_prisma_database
from pgdiag.prisma.hints import tenant_index_hint
from pgdiag.tenant.config import TenancyConfig
from pgdiag.tenant.model import TableName


class TenantIndexMissing(Check):
    """Tenant table without an index whose first column is the tenant column.

    **Problem**

    A tenant table (it has the tenant column, e.g. ``"organizationId"``; the tenant root and the tables
    listed in ``[tenancy] global_tables`` aside) has no valid, non-partial index whose first key
    column is the tenant column. Indexes that hold the tenant column in a later position do not count:
    a btree can only seek on its leading columns. BRIN indexes do not count either. A partitioned
    table is judged once, by the indexes of the partitioned table itself.

    Severity is **medium**, **high** when the table has at least ``large_rows`` rows (the larger of
    ``reltuples`` and ``n_live_tup``).

    **Why it matters**

    Nearly every statement of a multi-tenant application filters by the tenant column first. Without
    an index that starts with it, each of them reads every tenant's rows to find one tenant's: the
    cost grows with the whole table instead of with the tenant, and one large tenant slows all the
    others down.

    **Fix**

    Create the index without blocking writes::

        CREATE INDEX CONCURRENTLY "Alert_organizationId_idx" ON public."Alert" ("organizationId");

    When the tenant's queries also filter or sort on other columns, a composite index that starts
    with the tenant column (``("organizationId", "createdAt")``) serves them better and covers this
    check too. Declare it in the ORM schema as well (Prisma: ``@@index([organizationId])``).
    """

    id: ClassVar[str] = "tenant_index_missing"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "large_rows": Threshold(10_000, "rows of the table from which the finding is high"),
    }
    requires: ClassVar[tuple[str, ...]] = ("columns", "tables", "indexes", "foreign_keys")
    uses_tenancy: ClassVar[bool] = True

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per tenant table without a leading tenant-column index, largest first."""
        config: TenancyConfig = settings.tenancy
        schema = configured_tenant_schema(snapshot, config)
        if schema is None:
            return
        indexes, tables = snapshot.frame("indexes"), snapshot.frame("tables")
        partitioned = partitioned_tables(snapshot)
        served = _served(indexes, schema.column)
        names = list(zip(tables["schema"], tables["table"]))
        rows = dict(zip(names, _row_counts(tables)))
        partitions = {name for name, partition in zip(names, tables["is_partition"].astype(bool)) if partition}
        unserved = sorted((t for t in schema.tables if t not in served and t not in partitions),
                          key=lambda t: (-rows.get(t, 0), str(t)))
        taken = {(str(s), str(n)) for s, n in indexes[["schema", "index"]].itertuples(index=False, name=None)} \
            if not indexes.empty else set()
        prisma = is_prisma_database(snapshot)
        for table in unserved:
            yield _finding(table, schema.column, int(rows.get(table, 0)), settings, taken, prisma,
                           table not in partitioned)


def _served(indexes: pd.DataFrame, column: str) -> set[TableName]:
    """The tables with a valid, non-partial, non-BRIN index whose first key column is `column`."""
    if indexes.empty:
        return set()
    usable = indexes[indexes["is_valid"].astype(bool) & ~indexes["has_predicate"].astype(bool)
                     & indexes["method"].ne("brin")]
    leading = usable["columns"].map(lambda names: len(names) > 0 and list(names)[0] == column)
    return {(str(s), str(t)) for s, t in usable.loc[leading, ["schema", "table"]].itertuples(index=False, name=None)}


def _row_counts(tables: pd.DataFrame) -> pd.Series:
    """Each table's rows: the larger of reltuples and n_live_tup, 0 when neither was collected or set
    (reltuples is -1 before the first ANALYZE)."""
    counts = [pd.to_numeric(tables[column], errors="coerce").fillna(0).clip(lower=0)
              for column in ("reltuples", "n_live_tup")]
    return counts[0].where(counts[0] >= counts[1], counts[1])


def _finding(table: TableName, column: str, rows: int, settings: Any, taken: set[tuple[str, str]],
             prisma: bool, concurrently: bool) -> Finding:
    """The finding for one tenant table, with the index to create under a name no relation uses."""
    schema, name = table
    index, number = index_name(name, [column]), 0
    while (schema, index) in taken:
        number += 1
        index = index_name(name, [column], suffix=f"idx{number}")
    recommendation = (f"Index {qualified(*table)} by {quote_ident(column)}: every tenant's query on it filters by "
                      f"{quote_ident(column)}, and without an index that leads with it each one reads all tenants' "
                      f"rows (about {rows:,}). If the tenant's queries also filter or sort on other columns, a "
                      f"composite index that starts with {quote_ident(column)} serves both.")
    if prisma:
        recommendation += " " + tenant_index_hint(column, f"the model of {name}")
    return Finding(
        check=TenantIndexMissing.id,
        severity="high" if rows >= settings.large_rows else "medium",
        title=f"Tenant table {qualified(*table)} has no index leading with {column}",
        object=ObjectRef(schema=schema, table=name, columns=(column,)),
        evidence={"rows": rows, "tenant_column": column},
        recommendation=recommendation,
        fix_sql=create_index_sql(schema, name, [column], name=index, concurrently=concurrently),
    )
