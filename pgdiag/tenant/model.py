"""The tenant model (DESIGN §7): which column pins a row to one tenant, and which tables carry it.

`tenant_schema` describes a database's tenancy as plain data (`TenantSchema`): the tenant column,
the tenant tables, the tenant root (the table the tenant column's foreign keys point to) and every
foreign key, so the scoping analysis (`pgdiag.tenant.scope`) needs no database. docs/tenancy.md
explains the choices.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

from pgdiag.core.snapshot import Snapshot
from pgdiag.tenant.config import TenancyConfig

# What apps call the owner of a tenant's rows, in order of preference when two are on as many tables. A column
# is a candidate when, lower-cased without underscores, it is one of these followed by "id": organizationId,
# organisation_id, org_id, teamId, workspace_id, tenantId, accountId, companyId... (British and American).
# DESIGN §7's order (organization, tenant, org, account) with the other spellings and nouns slotted in.
TENANT_NOUNS = ("organization", "organisation", "tenant", "org", "workspace", "team", "account", "company")

TableName = tuple[str | None, str]
TableKind = Literal["tenant", "root", "global"]
TenancySource = Literal["configured", "detected", "none"]
HOW_TO_SET = "set tenant_column in [tenancy] of pgdiag.toml, or pass --tenant-column COLUMN"


@dataclass(frozen=True)
class Tenancy:
    """Which tenant column the tenant checks use and how it was chosen (``configured``, ``detected``, or
    ``none``), with every candidate column the database has and on how many tables, most tables first.
    The JSON report's ``tenancy`` object (DESIGN §10)."""

    column: str | None
    source: TenancySource
    candidates: tuple[tuple[str, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """``{"column", "source", "candidates": [{"column", "tables"}]}``."""
        return {"column": self.column, "source": self.source,
                "candidates": [{"column": column, "tables": tables} for column, tables in self.candidates]}

    def describe(self) -> str:
        """One line for the reports: the column and how it was chosen, or that there is none and how to set it.

        >>> Tenancy("workspaceId", "detected", (("workspaceId", 20), ("organizationId", 7))).describe()
        'tenant column "workspaceId", detected on 20 tables (also seen: "organizationId" on 7)'
        >>> Tenancy(None, "none").describe()
        'no tenant column detected: tenant checks did not run; set tenant_column in [tenancy] of pgdiag.toml, \
or pass --tenant-column COLUMN'
        """
        others = [f'"{column}" on {tables}' for column, tables in self.candidates if column != self.column]
        also = f" (also seen: {', '.join(others)})" if others else ""
        if self.column is None:
            return f"no tenant column detected{also}: tenant checks did not run; {HOW_TO_SET}"
        if self.source == "configured":
            return f'tenant column "{self.column}", configured{also}'
        tables = dict(self.candidates).get(self.column, 0)
        return f'tenant column "{self.column}", detected on {tables} tables{also}'


@dataclass(frozen=True, slots=True)
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
    """The tenant column: `configured` when given, else the detected one (`tenancy`); None when none is found."""
    if configured:
        return configured
    return detected_tenancy(snapshot).column


def tenancy(snapshot: Snapshot, config: TenancyConfig) -> Tenancy:
    """The tenant column `config` names (source ``configured``), else the detected one (`detected_tenancy`)."""
    detected = detected_tenancy(snapshot)
    if config.tenant_column:
        return Tenancy(config.tenant_column, "configured", detected.candidates)
    return detected


def detected_tenancy(snapshot: Snapshot) -> Tenancy:
    """The tenant column found by name and structure, built once per snapshot.

    Candidates are the columns named for a tenant (`TENANT_NOUNS`), and the columns whose single-column
    foreign keys reference the table that the named candidates' foreign keys reference most (the tenant
    root, e.g. ``"Organization"``), whatever their name. The one on the most tables (the root not counted)
    wins; ties go to the earlier noun in `TENANT_NOUNS`, then to the name.
    """
    return snapshot.derived("tenancy_detected", _detect)


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


def tenant_noun(column: str) -> int | None:
    """The position in `TENANT_NOUNS` of the noun `column` is named for, None when it names no tenant.

    >>> [tenant_noun(c) for c in ("organisationId", "org_id", "workspaceID", "team_id", "userId", "orgs")]
    [1, 3, 4, 5, None, None]
    """
    folded = column.replace("_", "").lower()
    if not folded.endswith("id"):
        return None
    stem = folded[:-2]
    return TENANT_NOUNS.index(stem) if stem in TENANT_NOUNS else None


def _detect(snapshot: Snapshot) -> Tenancy:
    """The detected `Tenancy` of the snapshot's tables (source ``none`` when no candidate is found)."""
    columns = snapshot.frame("columns")
    if columns.empty:
        return Tenancy(None, "none")
    keys = foreign_keys(snapshot)
    named = {str(c) for c in columns["column"].unique() if tenant_noun(str(c)) is not None}
    roots = Counter(fk.parent for fk in keys if len(fk.columns) == 1 and fk.columns[0] in named
                    and fk.parent != fk.child)
    root = min(roots.items(), key=lambda item: (-item[1], str(item[0])))[0] if roots else None
    structural = {fk.columns[0] for fk in keys if root is not None and fk.parent == root and len(fk.columns) == 1
                  and fk.child != root}
    wanted = columns[columns["column"].isin(named | structural)]
    real = _real_tables(snapshot) - {root}
    counts: Counter[str] = Counter()
    for schema, table, column in wanted[["schema", "table", "column"]].drop_duplicates().itertuples(index=False,
                                                                                                   name=None):
        if (str(schema), str(table)) in real:
            counts[str(column)] += 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], _preference(item[0]), item[0]))
    if not ranked:
        return Tenancy(None, "none")
    return Tenancy(ranked[0][0], "detected", tuple(ranked))


def _preference(column: str) -> int:
    """Tie-break among candidates on as many tables: named ones by noun order, structural ones after."""
    noun = tenant_noun(column)
    return noun if noun is not None else len(TENANT_NOUNS)

