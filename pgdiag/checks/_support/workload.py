"""Facts about statements and keys shared by the workload checks (N+1, pagination)."""

from __future__ import annotations

from pgdiag.core.findings import QueryRef
from pgdiag.core.lazy import pandas as pd
from pgdiag.core.snapshot import Snapshot
from pgdiag.sql import Block, Statement
from pgdiag.sql.workload import StatementRef

IGNORED_IN_LOOKUPS = ("is_null", "is_not_null")

TableName = tuple[str, str]


def query_ref(ref: StatementRef) -> QueryRef:
    """The contract's ``query`` member for a workload statement."""
    return QueryRef(queryid=ref.queryid, text=ref.text, calls=ref.calls, total_ms=round(ref.total_ms, 3),
                    mean_ms=round(ref.mean_ms, 4), rows=ref.rows)


def key_columns_by_table(snapshot: Snapshot) -> dict[TableName, set[str]]:
    """Per table, the columns that identify a row or point to one: single-column primary and unique
    keys (valid, not partial) and single-column foreign keys."""
    keys: dict[TableName, set[str]] = {}
    indexes = snapshot.frame("indexes")
    if not indexes.empty:
        unique = indexes[(indexes["is_primary"] | indexes["is_unique"]) & indexes["is_valid"]
                         & ~indexes["has_predicate"] & (indexes["n_key_columns"] == 1)]
        for schema, table, column in zip(unique["schema"], unique["table"], unique["columns"].str[0]):
            if column is not None and not pd.isna(column):
                keys.setdefault((schema, table), set()).add(column)
    fks = snapshot.frame("foreign_keys")
    if not fks.empty:
        single = fks[fks["columns"].str.len() == 1]
        for schema, table, column in zip(single["schema"], single["table"], single["columns"].str[0]):
            keys.setdefault((schema, table), set()).add(column)
    return keys


def point_lookup(statement: Statement, keys: dict[TableName, set[str]], tenant: str | None) -> tuple[TableName, str] | None:
    """(table, key column) when `statement` is a single-table SELECT by equality on one key column,
    apart from tenant and IS NULL conditions; None otherwise."""
    if statement.command != "select" or len(statement.blocks) != 1 or len(statement.refs) != 1:
        return None
    ref = statement.refs[0]
    if ref.schema is None:
        return None
    block = statement.blocks[0]
    if any(not p.top_level for p in block.predicates):
        return None
    relevant = [p for p in block.predicates if p.column != tenant and p.op not in IGNORED_IN_LOOKUPS]
    if len(relevant) != 1:
        return None
    predicate = relevant[0]
    table = (ref.schema, ref.table)
    if predicate.op != "eq" or predicate.value not in ("param", "const") or \
            predicate.column not in keys.get(table, set()):
        return None
    return table, predicate.column


def outer_block(statement: Statement) -> Block:
    """The statement's top block: the one whose LIMIT and OFFSET bound what the client receives."""
    return next(b for b in statement.blocks if b.parent is None)
