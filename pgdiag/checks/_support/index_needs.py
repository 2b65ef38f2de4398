"""What the index checks agree on: which index each table needs to lead with, and which indexes serve a need.

``missing_fk_index`` asks for an index leading with each foreign key's columns, ``tenant_index_missing`` for one
leading with the tenant column. The per-table index plan (``pgdiag.advice.index_plan``) reads these needs to
order its indexes so that one index settles them, and ``unused_index`` never advises dropping the only index
that meets one.
"""

from __future__ import annotations

from typing import Any, Iterable

from pgdiag.core.lazy import pandas as pd

from pgdiag.advice.index_plan import ExistingIndex, TableNeeds
from pgdiag.checks._support.catalog import judged_indexes, key_columns, pinned
from pgdiag.core.snapshot import Snapshot
from pgdiag.tenant.model import TableName, TenantSchema

DESC = 1  # indoption bit of a descending key column


def serving_indexes(indexes: pd.DataFrame) -> pd.DataFrame:
    """The indexes that can serve a lookup by their leading columns: valid, not partial, not BRIN."""
    if indexes.empty:
        return indexes
    return indexes[indexes["is_valid"].astype(bool) & ~indexes["has_predicate"].astype(bool)
                   & indexes["method"].ne("brin")]


def leads_with(columns: Iterable[Any], need: tuple[str, ...]) -> bool:
    """Whether an index on `columns` leads with `need`'s columns, in any order among them."""
    names = list(columns)
    return len(names) >= len(need) and set(names[: len(need)]) == set(need)


def table_leads(snapshot: Snapshot, tenant: TenantSchema | None) -> dict[TableName, list[tuple[str, ...]]]:
    """Per table, the column sets an index should lead with: the tenant column on a tenant table, then each
    foreign key's columns (met or not)."""
    needs: dict[TableName, list[tuple[str, ...]]] = {}
    if tenant is not None:
        for table in sorted(tenant.tables):
            needs.setdefault(table, []).append((tenant.column,))
    fks = snapshot.frame("foreign_keys")
    if not fks.empty:
        for schema, table, columns in zip(fks["schema"], fks["table"], fks["columns"]):
            need = tuple(columns)
            if need not in needs.setdefault((str(schema), str(table)), []):
                needs[(str(schema), str(table))].append(need)
    return needs


def index_needs(snapshot: Snapshot, tenant: TenantSchema | None) -> dict[TableName, TableNeeds]:
    """Per table, the column sets no index leads with yet (the tenant column first, then foreign keys)."""
    serving = serving_indexes(snapshot.frame("indexes"))
    existing: dict[TableName, list[list[Any]]] = {}
    if not serving.empty:
        for schema, table, columns, n_key in zip(serving["schema"], serving["table"], serving["columns"],
                                                 serving["n_key_columns"]):
            existing.setdefault((str(schema), str(table)), []).append(list(columns)[: int(n_key)])
    unmet = {table: tuple(n for n in leads if not any(leads_with(cols, n) for cols in existing.get(table, [])))
             for table, leads in table_leads(snapshot, tenant).items()}
    return {table: TableNeeds(leads) for table, leads in unmet.items() if leads}


def replaceable_indexes(snapshot: Snapshot, tables: set[TableName]) -> dict[TableName, list[ExistingIndex]]:
    """Per table of `tables` (those an index is advised on), the plain b-tree indexes a longer advised index may
    replace: valid, not unique, backing no constraint, no predicate, no expression, no INCLUDE columns."""
    indexes = judged_indexes(snapshot)
    found: dict[TableName, list[ExistingIndex]] = {}
    if indexes.empty or not tables:
        return found
    indexes = indexes[[(schema, table) in tables for schema, table in zip(indexes["schema"], indexes["table"])]]
    plain = indexes[indexes["is_valid"].astype(bool) & indexes["method"].eq("btree")
                    & ~indexes["is_unique"].astype(bool) & ~pinned(indexes) & ~indexes["has_predicate"].astype(bool)
                    & indexes["expressions"].isna()]
    for schema, table, index, names, n_key, options in zip(*(plain[c] for c in (
            "schema", "table", "index", "columns", "n_key_columns", "options"))):
        columns = key_columns({"columns": names, "n_key_columns": n_key})
        if columns is None or len(list(names)) != len(columns):
            continue
        descending = tuple(bool(int(o) & DESC) for o in list(options)[: len(columns)])
        found.setdefault((schema, table), []).append(ExistingIndex(index, columns, descending))
    return found
