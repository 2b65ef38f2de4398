"""Helpers shared by the index checks: which indexes to judge, which cannot be dropped alone, how to drop one."""

from __future__ import annotations

from typing import Any

from pgdiag.core.lazy import pandas as pd
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import drop_index_sql, qualified

# What makes two indexes the same index: every column of the `indexes` frame that shapes what it stores.
IDENTITY = ("table_oid", "method", "n_key_columns", "attnums", "opclasses", "collations", "options",
            "expressions", "predicate", "nulls_not_distinct")

# Which index of a group of exact duplicates to keep, best first (see `keep_rank`).
_PRIMARY, _CONSTRAINT, _FK_TARGET, _UNIQUE, _PLAIN = range(5)


def partitioned_tables(snapshot: Snapshot) -> frozenset[tuple[str, str]]:
    """(schema, table) of every partitioned table: an index on one cannot be built CONCURRENTLY."""
    tables = snapshot.frame("tables")
    if tables.empty:
        return frozenset()
    parents = tables[tables["kind"] == "p"]
    return frozenset(zip(parents["schema"].astype(str), parents["table"].astype(str)))


def judged_indexes(snapshot: Snapshot) -> pd.DataFrame:
    """The indexes the index checks judge (built once per snapshot; see `_judged_indexes`)."""
    return snapshot.derived("judged_indexes", _judged_indexes)


def judged_duplicates(snapshot: Snapshot) -> pd.DataFrame:
    """`exact_duplicates` of the judged indexes, built once per snapshot for every check that needs them."""
    return snapshot.derived("judged_duplicates", lambda s: exact_duplicates(judged_indexes(s)))


def _judged_indexes(snapshot: Snapshot) -> pd.DataFrame:
    """The ``indexes`` frame without indexes on partitions or locked during the scan, plus ``partitioned``
    (its table is partitioned).

    An index on a partition is usually attached to its partitioned table's index: it cannot be dropped
    on its own and is judged once, through the partitioned index. A locked index's definition,
    expressions and predicate were not read (reading them would have waited for the lock), so it
    cannot be compared with others; the next scan judges it.
    """
    indexes = unlocked(snapshot.frame("indexes"))
    tables = snapshot.frame("tables")
    if indexes.empty or tables.empty:
        return indexes.iloc[0:0].assign(partitioned=pd.Series(dtype=bool))
    kinds = tables.set_index("table_oid")
    is_partition = indexes["table_oid"].map(kinds["is_partition"]).fillna(False).astype(bool)
    partitioned = indexes["table_oid"].map(kinds["kind"]).eq("p")
    return rows_where(indexes.assign(partitioned=partitioned), ~is_partition)


def unlocked(indexes: pd.DataFrame) -> pd.DataFrame:
    """The indexes whose definitions were read: not held or requested in ACCESS EXCLUSIVE mode at scan time."""
    return indexes if indexes.empty else rows_where(indexes, ~indexes["locked"].astype(bool))


def rows_where(frame: pd.DataFrame, keep: pd.Series) -> pd.DataFrame:
    """The rows of `frame` where `keep` is true; when that is every row (the usual case: no partitions, no
    locks), a shallow copy instead of copying every column of thousands of indexes."""
    return frame.copy(deep=False) if keep.all() else frame[keep]


def pinned(indexes: pd.DataFrame) -> pd.Series:
    """Whether each index cannot be dropped on its own: it backs a constraint or a foreign key relies on it."""
    return indexes["constraint_type"].notna() | indexes["referenced_by_fk"].astype(bool)


def keep_rank(indexes: pd.DataFrame) -> pd.Series:
    """How much each index is worth keeping among exact duplicates, 0 best: primary key, other constraint,
    unique index a foreign key relies on, unique index, plain index."""
    rank = pd.Series(_PLAIN, index=indexes.index)
    rank = rank.mask(indexes["is_unique"].astype(bool), _UNIQUE)
    rank = rank.mask(indexes["referenced_by_fk"].astype(bool), _FK_TARGET)
    rank = rank.mask(indexes["constraint_type"].notna(), _CONSTRAINT)
    return rank.mask(indexes["is_primary"].astype(bool), _PRIMARY)


def exact_duplicates(indexes: pd.DataFrame) -> pd.DataFrame:
    """Each valid index that duplicates another exactly, with ``kept_oid``: the one of its group to keep.

    Indexes are grouped by every column in `IDENTITY`; in a group the index with the best `keep_rank`
    (then one the statistics show scanned, then the oldest, lowest oid) is kept and every other one is
    returned: the planner already reads the scanned one, so dropping the other changes no plan.
    """
    valid = indexes[indexes["is_valid"].astype(bool)]
    # Only indexes that share table, method, key width and leading column can be the same index: narrow
    # to those with cheap column operations before building full identity keys row by row.
    leading = valid["attnums"].str[0]
    valid = valid[valid.assign(_leading=leading).duplicated(["table_oid", "method", "n_key_columns", "_leading"],
                                                             keep=False)]
    if valid.empty:
        return valid.assign(kept_oid=pd.Series(dtype="int64"))
    key = pd.Series(list(zip(*(valid[column].map(_hashable) for column in IDENTITY))), index=valid.index)
    grouped = valid.assign(_key=key, _rank=keep_rank(valid),
                           _unscanned=~valid["idx_scan"].fillna(0).gt(0))[key.duplicated(keep=False)]
    ordered = grouped.sort_values(["_rank", "_unscanned", "index_oid"])
    kept_oid = ordered.groupby("_key", sort=False)["index_oid"].transform("first")
    dropped = ordered.assign(kept_oid=kept_oid)[ordered["index_oid"] != kept_oid]
    return dropped.drop(columns=["_key", "_rank", "_unscanned"])


def drop_fix(row: dict[str, Any]) -> str:
    """``DROP INDEX CONCURRENTLY`` for an index; a plain ``DROP INDEX`` for a partitioned table's index,
    which PostgreSQL cannot drop concurrently."""
    if row["partitioned"]:
        return f"DROP INDEX {qualified(row['schema'], row['index'])};"
    return drop_index_sql(row["schema"], row["index"])


def key_columns(row: dict[str, Any]) -> tuple[str, ...] | None:
    """The names of an index's key columns, None when one of them is an expression."""
    names = list(row["columns"])[: int(row["n_key_columns"])]
    return None if any(n is None or pd.isna(n) for n in names) else tuple(names)


def count(value: Any) -> int | None:
    """A size or statistics counter as a plain int, None when it was not collected (NaN)."""
    return None if pd.isna(value) else int(value)


def iso_time(value: Any) -> str | None:
    """A timestamp as ISO 8601 text for evidence, None when missing."""
    return None if pd.isna(value) else pd.Timestamp(value).isoformat()


def stats_since(server: pd.Series) -> tuple[pd.Timestamp, bool]:
    """When cumulative statistics began, and whether that is exact: the database's statistics reset,
    else (never reset) the server's start, which they are at least as old as."""
    if pd.isna(server["stats_reset"]):
        return server["postmaster_start_time"], False
    return server["stats_reset"], True


def _hashable(value: Any) -> Any:
    """A frame cell as a hashable group key: lists become tuples, every kind of missing value None."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return None if pd.isna(value) else value
