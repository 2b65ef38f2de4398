"""missing_fk_index: foreign keys with no index on their columns in the referencing table."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pgdiag.checks._support.catalog import count, partitioned_tables
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.lazy import pandas as pd
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import create_index_sql, index_name, qualified


class MissingFkIndex(Check):
    """Foreign key without an index on its columns.

    **Problem**

    No valid index of the referencing (child) table has the foreign key's columns as its leading
    key columns, in any order among them: a foreign key on ``(a, b)`` is served by an index on
    ``(b, a, c)`` but not by one on ``(a, c, b)``. Partial indexes, positions holding an
    expression, ``INCLUDE`` columns and BRIN indexes do not count. Several foreign keys on the
    same columns are reported once.

    Severity follows the cost: **high** when the child has at least ``large_child_rows`` rows
    (the larger of ``reltuples`` and ``n_live_tup``) and the parent had at least ``parent_writes``
    deleted plus updated rows since the statistics began; **medium** when the child is that large
    but the parent sees no deletes or updates; **low** otherwise. Updates count although only those
    that change the referenced key check the child, because the statistics do not tell them apart.
    A partitioned child's rows are not summed over its partitions, so it is rated low.

    **Why it matters**

    Every ``DELETE`` of a parent row, and every ``UPDATE`` of its key, makes PostgreSQL look for
    referencing rows in the child (to raise an error, cascade or set null); without an index that
    is a sequential scan of the child for each parent row, under locks, turning a 100-row
    delete into 100 full scans. Joins from parent to children (Prisma's ``include``) have the same
    problem. PostgreSQL indexes the referenced key but never the referencing columns, and Prisma
    does not add them on PostgreSQL either.

    **Fix**

    Create the index without blocking writes::

        CREATE INDEX CONCURRENTLY "Client_organizationId_idx" ON public."Client" ("organizationId");

    and declare it in the ORM schema (Prisma: ``@@index([organizationId])``) so migrations keep it.
    When queries also filter or sort on other columns, a composite index that starts with the
    foreign key's columns serves both.
    """

    id: ClassVar[str] = "missing_fk_index"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "large_child_rows": Threshold(10_000, "rows of the child table from which the finding is medium or high"),
        "parent_writes": Threshold(1, "deleted plus updated rows of the parent since the statistics began from "
                                      "which a large child makes the finding high"),
    }
    requires: ClassVar[tuple[str, ...]] = ("foreign_keys", "indexes", "tables")

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per child table and column set that foreign keys use without a supporting index."""
        fks, indexes, tables = (snapshot.frame(n) for n in ("foreign_keys", "indexes", "tables"))
        if fks.empty:
            return
        partitioned = partitioned_tables(snapshot)
        usable = indexes[indexes["is_valid"].astype(bool) & ~indexes["has_predicate"].astype(bool) & indexes["method"].ne("brin")]
        pairs = fks[["constraint_oid", "table_oid", "attnums"]].merge(
            usable[["table_oid", "attnums", "n_key_columns"]], on="table_oid", suffixes=("", "_index"))
        served = pairs.loc[[_serves(wanted, n_key, leading) for wanted, n_key, leading in zip(
            pairs["attnums"], pairs["n_key_columns"], pairs["attnums_index"])], "constraint_oid"]
        unserved = fks[~fks["constraint_oid"].isin(served)]
        if unserved.empty:
            return
        stats = tables.set_index("table_oid")
        child_rows = unserved["table_oid"].map(stats[["reltuples", "n_live_tup"]].max(axis=1)).fillna(0)
        deletes = unserved["parent_oid"].map(stats["n_tup_del"]).fillna(0)
        updates = unserved["parent_oid"].map(stats["n_tup_upd"]).fillna(0)
        unserved = unserved.assign(child_rows=child_rows.clip(lower=0), parent_deletes=deletes,
                                   parent_updates=updates, _writes=deletes + updates,
                                   _columns=unserved["attnums"].map(frozenset))
        # Foreign keys on the same columns share one finding, told by the parent with most writes.
        ordered = unserved.sort_values(["_writes", "constraint_oid"], ascending=[False, True])
        taken = _taken_names(indexes, tables)
        for _, group in ordered.groupby(["table_oid", "_columns"], sort=False):
            yield _finding(group.to_dict("records"), settings, taken, partitioned)


def _serves(foreign_key: Any, n_key_columns: Any, index: Any) -> bool:
    """Whether an index (its column numbers `index`, the first `n_key_columns` of them keys) leads with exactly
    the `foreign_key`'s column numbers, in any order."""
    wanted = list(foreign_key)
    n = len(wanted)
    return n <= int(n_key_columns) and set(list(index)[:n]) == set(wanted)


def _severity(child_rows: float, parent_writes: float, settings: Any) -> str:
    """High for a large child of a parent that deletes or updates, medium for a large child, else low."""
    if child_rows < settings.large_child_rows:
        return "low"
    return "high" if parent_writes >= settings.parent_writes else "medium"


def _finding(group: list[dict[str, Any]], settings: Any, taken: set[tuple[str, str]],
             partitioned: frozenset[tuple[str, str]]) -> Finding:
    """The finding for the foreign keys of one child table on one column set; the first is the most active."""
    fk = group[0]
    child, parent = qualified(fk["schema"], fk["table"]), qualified(fk["parent_schema"], fk["parent_table"])
    columns = list(fk["columns"])
    name = _free_name(fk["schema"], fk["table"], columns, taken)
    severity = _severity(fk["child_rows"], fk["_writes"], settings)
    evidence: dict[str, Any] = {
        "constraint": fk["name"], "parent_table": parent, "child_rows": int(fk["child_rows"]),
        "parent_deletes": int(fk["parent_deletes"]), "parent_updates": int(fk["parent_updates"]),
    }
    if len(group) > 1:
        evidence["other_constraints"] = [other["name"] for other in group[1:]]
    return Finding(
        check=MissingFkIndex.id,
        severity=severity,
        title=f"Foreign key {fk['name']} of {child} ({', '.join(columns)}) has no index",
        object=ObjectRef(schema=fk["schema"], table=fk["table"], columns=tuple(columns)),
        recommendation=(f"Index {child} ({', '.join(columns)}): without it each delete (or key update) of a {parent} "
                        f"row scans the whole of {child} (about {count(fk['child_rows']):,} rows), and so do joins "
                        f"from {parent} to it. Declare the index in the ORM schema as well."),
        evidence=evidence,
        fix_sql=create_index_sql(fk["schema"], fk["table"], columns, name=name,
                                 concurrently=(fk["schema"], fk["table"]) not in partitioned),
    )


def _taken_names(indexes: pd.DataFrame, tables: pd.DataFrame) -> set[tuple[str, str]]:
    """(schema, name) of the relations pgdiag knows of: a new index must not reuse one."""
    known = [frame[["schema", name]].itertuples(index=False, name=None)
             for frame, name in ((indexes, "index"), (tables, "table")) if not frame.empty]
    return {pair for rows in known for pair in rows}


def _free_name(schema: str, table: str, columns: list[str], taken: set[tuple[str, str]]) -> str:
    """A readable index name no known relation of `schema` has, numbered like PostgreSQL's own when needed."""
    name, number = index_name(table, columns), 0
    while (schema, name) in taken:
        number += 1
        name = index_name(table, columns, suffix=f"idx{number}")
    taken.add((schema, name))
    return name
