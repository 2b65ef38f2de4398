"""no_primary_key: tables that have no primary key and no unique not-null key."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pgdiag.checks._support.catalog import count
from pgdiag.checks.base import Check
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified


class NoPrimaryKey(Check):
    """Table without a primary key or a unique not-null key.

    **Problem**

    Some rows of the table cannot be told apart: nothing guarantees that a row is unique, and
    there is no column set that names exactly one row. Only ordinary and partitioned tables are
    checked; partitions are skipped (the partitioned table is reported once), and a unique index
    counts as a key only when it is valid, has no predicate or expression and all its key columns
    are ``NOT NULL``.

    **Why it matters**

    Logical replication cannot replicate ``UPDATE`` and ``DELETE`` of such a table (without
    ``REPLICA IDENTITY FULL``, which makes the subscriber scan the table for every row), duplicate
    rows creep in, ORMs such as Prisma refuse or mishandle the table, and tools like pg_repack
    need a key to work online.

    **Fix**

    When the table has a column named ``id``, make it the primary key::

        ALTER TABLE public.t ADD PRIMARY KEY (id);

    It fails if ``id`` holds NULLs or duplicates, and it takes an ``ACCESS EXCLUSIVE`` lock while
    the index is built; on a big, busy table build the index first with
    ``CREATE UNIQUE INDEX CONCURRENTLY t_pkey ON public.t (id);`` and then attach it with
    ``ALTER TABLE public.t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_pkey;``. Without such a
    column, add one, e.g. ``ALTER TABLE public.t ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY
    PRIMARY KEY;`` (this rewrites the table), or declare the natural key the rows already have.
    """

    id: ClassVar[str] = "no_primary_key"
    requires: ClassVar[tuple[str, ...]] = ("tables",)

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per ordinary or partitioned (not partition) table lacking any not-null unique key."""
        tables = snapshot.frame("tables")
        if tables.empty:
            return
        keyless = (tables["kind"].isin(["r", "p"]) & ~tables["is_partition"].astype(bool)
                   & ~tables["has_primary_key"].astype(bool) & ~tables["has_unique_not_null"].astype(bool))
        for row in tables[keyless].to_dict("records"):
            yield _finding(row)


def _finding(row: dict[str, Any]) -> Finding:
    """The finding for one keyless table: a primary key on ``id`` when there is one, else advice."""
    name = qualified(row["schema"], row["table"])
    has_id = "id" in (row["column_names"] or [])
    if row["kind"] == "p":  # its key must hold the partition key, which the tables frame does not name
        fix_sql: str | None = None
        recommendation = (f"Give {name} a primary key that includes its partition key columns (PostgreSQL requires "
                          f"them in every unique constraint of a partitioned table): ALTER TABLE {name} ADD PRIMARY "
                          f"KEY ({'id' if has_id else '<key columns>'}, <partition key columns>). It is created on "
                          "every partition and locks them while it builds.")
    elif has_id:
        fix_sql = f"ALTER TABLE {name} ADD PRIMARY KEY (id);"
        recommendation = (f"Make id the primary key of {name}. It fails on NULL or duplicate ids and locks the "
                          "table while the index builds; on a big table create the unique index CONCURRENTLY "
                          "first and attach it with ADD CONSTRAINT … PRIMARY KEY USING INDEX.")
    else:
        fix_sql = None
        recommendation = (f"Give {name} a primary key: declare the natural key its rows already have, or add a "
                          "surrogate column (ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                          "which rewrites the table).")
    kind = "partitioned table" if row["kind"] == "p" else "table"
    return Finding(
        check=NoPrimaryKey.id,
        severity="medium",
        title=f"{kind.capitalize()} {name} has no primary key or unique not-null key",
        object=ObjectRef(schema=row["schema"], table=row["table"]),
        recommendation=recommendation,
        evidence={"kind": kind, "has_id_column": has_id, "n_live_tup": count(row["n_live_tup"]),
                  "total_bytes": count(row["total_bytes"])},
        fix_sql=fix_sql,
    )
