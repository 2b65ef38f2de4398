"""redundant_index: btree indexes whose key columns lead another btree index of the same table."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pgdiag.checks._support.catalog import (
    count,
    drop_fix,
    judged_duplicates,
    judged_indexes,
    key_columns,
    pinned,
)
from pgdiag.checks.base import Check
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified

_REVERSED = 3  # indoption bits DESC | NULLS FIRST: a backward scan flips both
_COVERAGE = ["index_oid", "n_key_columns", "attnums", "opclasses", "collations", "options"]  # what `_covers` reads
_PAIRED_ON = ["table_oid", "_predicate", "_leading"]
_DROPPABLE = ["is_unique", "constraint_type", "referenced_by_fk"]  # what `pinned` and the unique test read


class RedundantIndex(Check):
    """B-tree index whose key columns are a leading prefix of another b-tree index.

    **Problem**

    The key columns of a valid b-tree index, with their operator classes and collations, are a
    strict leading prefix of the key columns of another valid b-tree index of the same table with
    the same predicate (or none), e.g. ``(organizationId)`` beside ``(organizationId, status)``.
    The sort options of the prefix must match, or all be reversed (a backward scan serves them).
    Its ``INCLUDE`` columns, if any, must be in the longer index too. Indexes on expressions are
    not compared. Never reported: unique indexes and indexes that back a constraint or that a
    foreign key relies on (they enforce something), exact duplicates (``duplicate_index``
    reports those) and indexes of partitions (judged through their partitioned table's index).
    When several indexes cover it, the finding names the one with most key columns.

    Severity is low: the longer index answers every query the shorter one does, but it is bigger,
    so lookups on the prefix alone read a little more.

    **Why it matters**

    The shorter index costs writes, vacuum work, disk, backup and cache, and adds nothing the
    longer index does not offer. ORMs often produce such pairs: Prisma's ``@@index([organizationId])``
    beside ``@@index([organizationId, createdAt])``.

    **Fix**

    Drop the shorter index without blocking writes::

        DROP INDEX CONCURRENTLY public."Alert_organizationId_idx";

    (a plain ``DROP INDEX`` for a partitioned table's index), and remove it from the ORM schema.
    Check first that it is not there for a latency-critical lookup on the prefix alone in a very
    hot path, where the smaller index is worth keeping.
    """

    id: ClassVar[str] = "redundant_index"
    requires: ClassVar[tuple[str, ...]] = ("indexes", "tables")

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per droppable b-tree index covered by a longer one, naming the longest cover."""
        indexes = judged_indexes(snapshot)
        if indexes.empty:
            return
        # Exact duplicates that duplicate_index drops are neither reported nor offered as covers. Only the columns
        # that decide coverage are carried (every index is paired with every other of its table: on thousands
        # of tables, copies and a merge of whole rows were the check's largest allocations); findings read their
        # rows after.
        comparable = indexes.loc[~indexes["index_oid"].isin(judged_duplicates(snapshot)["index_oid"])
                                 & indexes["is_valid"].astype(bool) & indexes["method"].eq("btree")
                                 & indexes["expressions"].isna(), ["table_oid", "predicate", *_COVERAGE, *_DROPPABLE]]
        comparable = comparable.assign(_predicate=comparable["predicate"].fillna(""),
                                       _leading=comparable["attnums"].str[0])
        shorter = comparable[~comparable["is_unique"].astype(bool) & ~pinned(comparable)]
        # A cover has the same leading column (paired on it, vectorised) and more key columns.
        compared = _PAIRED_ON + _COVERAGE
        pairs = shorter[compared].merge(comparable[compared], on=_PAIRED_ON, suffixes=("", "_cover"))
        pairs = pairs[pairs["n_key_columns"] < pairs["n_key_columns_cover"]]
        if pairs.empty:
            return
        covered = pairs[[_covers(row) for row in pairs.to_dict("records")]]
        best = (covered.sort_values(["n_key_columns_cover", "index_oid_cover"], ascending=[False, True])
                .drop_duplicates("index_oid"))
        position = {oid: number for number, oid in enumerate(indexes["index_oid"])}
        rows = [{**indexes.iloc[position[short]].to_dict(),
                 **{f"{name}_cover": value for name, value in indexes.iloc[position[cover]].to_dict().items()}}
                for short, cover in zip(best["index_oid"], best["index_oid_cover"])]
        for row in sorted(rows, key=lambda r: (r["schema"], r["table"], r["index"])):
            yield _finding(row)


def _covers(pair: dict[str, Any]) -> bool:
    """Whether the ``_cover`` index of `pair` answers every query its other index answers."""
    n_short, n_long = int(pair["n_key_columns"]), int(pair["n_key_columns_cover"])
    if n_short >= n_long:
        return False
    short, cover = list(pair["attnums"]), list(pair["attnums_cover"])
    if short[:n_short] != cover[:n_short] or not set(short[n_short:]) <= set(cover):
        return False
    if (list(pair["opclasses"]) != list(pair["opclasses_cover"])[:n_short]
            or list(pair["collations"]) != list(pair["collations_cover"])[:n_short]):
        return False
    options, cover_options = list(pair["options"]), list(pair["options_cover"])[:n_short]
    return options == cover_options or options == [o ^ _REVERSED for o in cover_options]


def _finding(row: dict[str, Any]) -> Finding:
    """The finding for one redundant index: drop it, the covering index serves its queries."""
    index, table = qualified(row["schema"], row["index"]), qualified(row["schema"], row["table"])
    cover = qualified(row["schema"], row["index_cover"])
    return Finding(
        check=RedundantIndex.id,
        severity="low",
        title=f"Index {index} on {table} is covered by {cover}",
        object=ObjectRef(schema=row["schema"], table=row["table"], index=row["index"], columns=key_columns(row)),
        recommendation=(f"Drop {index}: its key columns lead {cover}, which serves the same lookups and sorts. "
                        "Remove it from the ORM schema too, or the next migration recreates it."),
        evidence={"covering_index": row["index_cover"], "definition": row["definition"],
                  "covering_definition": row["definition_cover"], "index_bytes": count(row["index_bytes"]),
                  "covering_index_bytes": count(row["index_bytes_cover"]), "idx_scan": count(row["idx_scan"])},
        fix_sql=drop_fix(row),
    )
