"""duplicate_index: indexes identical to another index of the same table."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pgdiag.checks._support.catalog import (
    count,
    drop_fix,
    judged_duplicates,
    judged_indexes,
    key_columns,
)
from pgdiag.checks.base import Check
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.lazy import pandas as pd
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified

_CONSTRAINT_KINDS = {"p": "primary key", "u": "unique constraint", "x": "exclusion constraint"}


class DuplicateIndex(Check):
    """Index identical to another index of the same table.

    **Problem**

    Two valid indexes of one table store the same thing: same access method, same key and
    ``INCLUDE`` columns in the same order, same operator classes, collations and sort options,
    same expressions and the same predicate (names and uniqueness aside). One of them is dropped:
    the later one (higher oid), except that an index that enforces something is always the one
    kept, in this order: primary key, other constraint, unique index a foreign key relies on,
    unique index. Indexes of partitions are judged through their partitioned table's index.

    **Why it matters**

    The planner uses one of the two; the other doubles the write cost of every ``INSERT`` and
    non-HOT ``UPDATE``, the vacuum work, the disk, backup and replication volume and the cache
    it takes. Duplicates usually come from an ORM migration (Prisma's ``@@index`` beside an
    ``@unique`` on the same field) or a hand-made index added next to an existing one.

    **Fix**

    Drop the duplicate without blocking writes::

        DROP INDEX CONCURRENTLY public."Client_organizationId_idx1";

    (a plain ``DROP INDEX`` for a partitioned table's index, which cannot be dropped concurrently).
    When both indexes back constraints (say a primary key and a unique constraint on the same
    columns) no index can be dropped on its own: drop the redundant constraint with
    ``ALTER TABLE … DROP CONSTRAINT …`` (its index goes with it), after checking that no foreign
    key references it; a unique index that foreign keys rely on goes once those are recreated.
    Remove the duplicate from the ORM schema too, or the next migration brings it back.
    """

    id: ClassVar[str] = "duplicate_index"
    requires: ClassVar[tuple[str, ...]] = ("indexes", "tables")

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per index that exactly duplicates another index that is kept."""
        indexes = judged_indexes(snapshot)
        if indexes.empty:
            return
        duplicates = judged_duplicates(snapshot)
        kept = indexes.set_index("index_oid")
        for row in duplicates.to_dict("records"):
            yield _finding(row, kept.loc[row["kept_oid"]])


def _finding(row: dict[str, Any], kept: pd.Series) -> Finding:
    """The finding for one duplicate: drop it, or, when it backs a constraint, say what must go first."""
    index, table = qualified(row["schema"], row["index"]), qualified(row["schema"], row["table"])
    kept_name = qualified(kept["schema"], kept["index"])
    blocker = _blocker(row, kept_name)
    if blocker is None:
        fix_sql: str | None = drop_fix(row)
        recommendation = (f"Drop {index}: {kept_name} serves the same queries. Remove it from the ORM schema "
                          "too, or the next migration recreates it.")
    else:
        fix_sql = None
        recommendation = f"{index} cannot be dropped on its own: {blocker}."
    return Finding(
        check=DuplicateIndex.id,
        severity="medium",
        title=f"Index {index} on {table} duplicates {kept_name}",
        object=ObjectRef(schema=row["schema"], table=row["table"], index=row["index"], columns=key_columns(row)),
        recommendation=recommendation,
        evidence={"kept_index": kept["index"], "definition": row["definition"],
                  "kept_definition": kept["definition"], "index_bytes": count(row["index_bytes"]),
                  "idx_scan": count(row["idx_scan"]), "kept_idx_scan": count(kept["idx_scan"])},
        fix_sql=fix_sql,
    )


def _blocker(row: dict[str, Any], kept_name: str) -> str | None:
    """What must happen before an index can go (the constraint it backs, the foreign keys relying on it), or None."""
    if not pd.isna(row["constraint_type"]):
        kind = _CONSTRAINT_KINDS.get(row["constraint_type"], "constraint")
        return (f"it backs the {kind} {row['constraint_name']}. Drop that constraint instead, keeping {kept_name}: "
                f"ALTER TABLE {qualified(row['schema'], row['table'])} DROP CONSTRAINT "
                f"{qualified(None, row['constraint_name'])}; drops the index with it, and fails while foreign "
                "keys reference the constraint")
    if row["referenced_by_fk"]:
        return (f"foreign keys rely on it. In one transaction drop those foreign keys, drop the index and re-add "
                f"them NOT VALID (they then rely on {kept_name}); VALIDATE CONSTRAINT them afterwards")
    return None
