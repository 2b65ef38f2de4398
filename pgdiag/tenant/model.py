"""The tenant model (DESIGN §7): which column pins a row to one tenant, and which tables carry it.

`tenant_schema` describes a database's tenancy as plain data (`TenantSchema`): the tenant column,
the tenant tables, the tenant root (the table the tenant column's foreign keys point to) and every
foreign key, so the scoping analysis (`pgdiag.tenant.scope`) needs no database. docs/tenancy.md
explains the choices.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from pgdiag.core.snapshot import Snapshot
from pgdiag.tenant.config import TenancyConfig

CANDIDATES = ("organizationId", "organization_id", "tenantId", "tenant_id", "orgId", "org_id", "accountId",
              "account_id")

TableName = tuple[str | None, str]
TableKind = Literal["tenant", "root", "global"]


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key: `columns` of table `child` reference `parent_columns` of table `parent`, in order."""

    child: TableName
    columns: tuple[str, ...]
    parent: TableName
    parent_columns: tuple[str, ...]


@dataclass(frozen=True)
class TenantSchema:
    """What the scoping analysis needs to know of a database: the tenant column, the tables that carry it,
    the tenant root and its key (what the tenant column's foreign keys reference), and all foreign keys."""

    column: str
    tables: frozenset[TableName]
    root: TableName | None = None
    root_key: str | None = None
    foreign_keys: tuple[ForeignKey, ...] = ()

    def kind(self, table: TableName) -> TableKind:
        """Whether `table` is a tenant table, the tenant root, or global (shared by all tenants)."""
        if table == self.root:
            return "root"
        return "tenant" if table in self.tables else "global"

    def key(self, table: TableName) -> str | None:
        """The column that names a row's tenant: the tenant column of a tenant table, the root's key."""
        kind = self.kind(table)
        return self.column if kind == "tenant" else self.root_key if kind == "root" else None


def tenant_column(snapshot: Snapshot, configured: str | None = None) -> str | None:
    """The tenant column: `configured` when given, else the candidate most tables have (None when none has one).

    Ties go to the earlier candidate in DESIGN §7's list.
    """
    if configured:
        return configured
    return snapshot.derived("tenant_column", _detect)


def tenant_schema(snapshot: Snapshot, config: TenancyConfig) -> TenantSchema | None:
    """The snapshot's tenant model under `config` (None when no table has a tenant column).

    Tenant tables are the tables and partitions (not views) that have the tenant column, except the
    tenant root and the configured global tables.
    """
    return snapshot.derived(f"tenant_schema:{config!r}", lambda s: _schema(s, config))


def is_global(table: TableName, config: TenancyConfig) -> bool:
    """Whether the configuration lists `table` as global, by name or as ``schema.table``."""
    schema, name = table
    return name in config.global_tables or f"{schema}.{name}" in config.global_tables


def foreign_keys(snapshot: Snapshot) -> tuple[ForeignKey, ...]:
    """Every foreign key of the ``foreign_keys`` frame."""
    frame = snapshot.frame("foreign_keys")
    if frame.empty:
        return ()
    return tuple(ForeignKey((row.schema, row.table), tuple(row.columns), (row.parent_schema, row.parent_table),
                            tuple(row.parent_columns)) for row in frame.itertuples())


def _schema(snapshot: Snapshot, config: TenancyConfig) -> TenantSchema | None:
    """Build the tenant model from the ``tables``, ``columns`` and ``foreign_keys`` frames."""
    column = tenant_column(snapshot, config.tenant_column)
    columns = snapshot.frame("columns")
    if column is None or columns.empty:
        return None
    holders = {(str(s), str(t)) for s, t in columns.loc[columns["column"] == column, ["schema", "table"]].itertuples(
        index=False, name=None)}
    holders &= _real_tables(snapshot)
    keys = foreign_keys(snapshot)
    root, root_key = _root(keys, column)
    tables = frozenset(t for t in holders if t != root and not is_global(t, config))
    if not tables:
        return None
    return TenantSchema(column=column, tables=tables, root=root, root_key=root_key, foreign_keys=keys)


def _real_tables(snapshot: Snapshot) -> set[TableName]:
    """Tables, partitioned tables and partitions; not views or materialized views (a view's rows are
    those of the tables it reads, which pgdiag does not expand)."""
    tables = snapshot.frame("tables")
    if tables.empty:
        return set()
    real = tables[tables["kind"].isin(["r", "p"])]
    return {(str(s), str(t)) for s, t in real[["schema", "table"]].itertuples(index=False, name=None)}


def _root(keys: tuple[ForeignKey, ...], column: str) -> tuple[TableName | None, str | None]:
    """The table most single-column foreign keys on the tenant column reference, and the referenced column."""
    targets = Counter((fk.parent, fk.parent_columns[0]) for fk in keys
                      if fk.columns == (column,) and fk.parent != fk.child)
    if not targets:
        return None, None
    (root, key), _ = min(targets.items(), key=lambda item: (-item[1], str(item[0])))
    return root, key


def _detect(snapshot: Snapshot) -> str | None:
    """The most common candidate column across the database's tables."""
    columns = snapshot.frame("columns")
    if columns.empty:
        return None
    counts = columns[columns["column"].isin(CANDIDATES)].groupby("column")["table"].nunique()
    if counts.empty:
        return None
    return max(CANDIDATES, key=lambda name: (counts.get(name, 0), -CANDIDATES.index(name)))

