"""index_bloat: b-tree indexes much larger than their rows need, estimated from the statistics."""

from __future__ import annotations

import math
from typing import Any, ClassVar, Iterable

from pgdiag.core.lazy import pandas as pd

from pgdiag.checks._support.sessions import setting
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified

MIB = 1 << 20
MAXALIGN = 8
PAGE_HEADER = 24      # PageHeaderData
BTREE_OPAQUE = 16     # BTPageOpaqueData, at the end of every b-tree page
TUPLE_HEADER = 8      # IndexTupleData: heap pointer and flags
LINE_POINTER = 4      # ItemIdData
NULL_BITMAP = 4       # rounded up with the header to MAXALIGN when a column may be null
META_PAGES = 1


def _align(size: float) -> float:
    """`size` rounded up to MAXALIGN."""
    return math.ceil(size / MAXALIGN) * MAXALIGN


def expected_pages(reltuples: float, data_width: float, has_nulls: bool, fillfactor: int, block_size: int) -> int:
    """The pages a freshly built b-tree of `reltuples` entries of `data_width` bytes would have (leaf level, filled to
    `fillfactor`, plus the metapage; the inner levels are a fraction of a percent and left out).

    >>> expected_pages(100_000, 4, False, 90, 8192)
    274
    """
    tuple_bytes = _align(TUPLE_HEADER + (NULL_BITMAP if has_nulls else 0)) + _align(data_width) + LINE_POINTER
    usable = (block_size - PAGE_HEADER - BTREE_OPAQUE) * fillfactor / 100
    return math.ceil(reltuples * tuple_bytes / usable) + META_PAGES


class IndexBloat(Check):
    """B-tree index much larger than its entries need (estimated from statistics).

    **Problem**

    The index's pages (``relpages``) exceed by at least ``bloat_percent`` % and ``min_mb`` MiB what
    a freshly built index of its entries would take. That size is estimated from the statistics:
    entries (``reltuples``), the average width and null fraction of its columns (``pg_stats``),
    the page layout and its fillfactor. Indexes whose columns lack statistics (the table was
    never analysed, or an expression) are not judged; nor are indexes with fewer than
    ``min_pages`` pages. The estimate ignores the inner levels and deduplication (PostgreSQL 13+
    stores repeated keys once, so an index on a low-cardinality column may be smaller than
    estimated, never reported larger for it).

    Severity is high from ``high_mb`` MiB of estimated bloat, medium below.

    **Why it matters**

    B-tree pages emptied by deletes or updates are reused only for keys in their range: an index on
    a growing key after a mass delete, or on a frequently updated column, keeps its size. Bloated
    indexes use memory and cache, make scans read more pages, and slow vacuum, which reads every
    index page.

    **Fix**

    Rebuild it without blocking reads or writes (PostgreSQL 12+)::

        REINDEX INDEX CONCURRENTLY public.orders_created_at_idx;

    It needs room for a second copy while it runs. If the index bloats again quickly, look at what
    writes to its table (HOT updates avoid index entries: leave fillfactor room on the table).
    """

    id: ClassVar[str] = "index_bloat"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "bloat_percent": Threshold(50, "percentage of the index's size estimated to be bloat"),
        "min_mb": Threshold(100, "MiB of estimated bloat before an index is reported"),
        "min_pages": Threshold(10, "pages an index needs before it is judged"),
        "high_mb": Threshold(1024, "MiB of estimated bloat from which a finding is high"),
    }
    requires: ClassVar[tuple[str, ...]] = ("btree_stats",)

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per bloated index, the most bloat first."""
        indexes = snapshot.frame("btree_stats")
        if indexes.empty:
            return
        block_size = int(setting(snapshot, "block_size") or 8192)
        judged = indexes[(indexes["n_columns_with_stats"] == indexes["n_columns"])
                         & (indexes["relpages"] >= settings.min_pages) & (indexes["reltuples"] >= 0)]
        found = []
        for row in judged.to_dict("records"):
            expected = expected_pages(float(row["reltuples"]), float(row["data_width"]), bool(row["has_nulls"]),
                                      int(row["fillfactor"]), block_size)
            bloat_pages = int(row["relpages"]) - expected
            percent = 100 * bloat_pages / int(row["relpages"])
            if percent >= settings.bloat_percent and bloat_pages * block_size >= settings.min_mb * MIB:
                found.append(_finding(row, expected, bloat_pages * block_size, percent, block_size, settings))
        yield from sorted(found, key=lambda f: -f.evidence["bloat_bytes"])


def _finding(row: dict[str, Any], expected: int, bloat_bytes: int, percent: float, block_size: int,
             settings: Any) -> Finding:
    """The finding for one index."""
    name = qualified(row["schema"], row["index"])
    size = int(row["relpages"]) * block_size
    fix_sql = f"REINDEX INDEX CONCURRENTLY {name};"
    return Finding(
        check=IndexBloat.id,
        severity="high" if bloat_bytes >= settings.high_mb * MIB else "medium",
        title=(f"Index {name} on {qualified(row['schema'], row['table'])} is about {percent:.0f} % bloat "
               f"({bloat_bytes / MIB:,.1f} of {size / MIB:,.1f} MiB)"),
        object=ObjectRef(schema=row["schema"], table=row["table"], index=row["index"]),
        recommendation=(f"Rebuild it with {fix_sql.rstrip(';')}: reads and writes go on, and it needs room for a "
                        "second copy while it runs. The estimate comes from statistics: run ANALYZE first if the "
                        "table changed a lot since."),
        evidence={"index_bytes": size, "expected_bytes": expected * block_size, "bloat_bytes": bloat_bytes,
                  "bloat_percent": round(percent, 1), "relpages": int(row["relpages"]),
                  "expected_pages": expected, "reltuples": None if pd.isna(row["reltuples"]) else int(row["reltuples"]),
                  "fillfactor": int(row["fillfactor"])},
        fix_sql=fix_sql,
    )
