"""What index costing reads about tables and columns, as lookups built once per snapshot.

Costing a candidate needs one table's size and a few columns' statistics. Filtering the whole
``tables`` and ``column_stats`` frames for each candidate made the advice grow with candidates ×
tables; these dictionaries are built in one pass over each frame and shared by every check through
the snapshot's derived cache.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pgdiag.core.snapshot import Snapshot

PAGE_BYTES = 8192


@dataclass(frozen=True, slots=True)
class TableSize:
    """A table's size as ``pg_class`` had it at the last ANALYZE (``reltuples`` -1 when never analyzed),
    its live rows since, and how many pages its main fork holds now (None when the size was not read)."""

    reltuples: float
    relpages: float
    live_rows: float
    disk_pages: float | None

    @property
    def rows(self) -> float:
        """Rows the planner would expect: the larger of ``reltuples`` and ``n_live_tup``."""
        return max(self.reltuples, self.live_rows, 0.0)

    @property
    def pages(self) -> float:
        """Heap pages at the last ANALYZE, at least 1."""
        return max(self.relpages, 1.0)

    @property
    def analyzed(self) -> bool:
        """Whether ANALYZE has ever run on the table."""
        return self.reltuples >= 0

    @property
    def rows_per_page(self) -> float:
        """Rows per heap page at the last ANALYZE, at least 1."""
        return max(self.reltuples / self.relpages, 1.0) if self.relpages > 0 else 1.0


@dataclass(frozen=True, slots=True)
class ColumnStatistics:
    """One column's ``pg_stats`` figures that costing reads; correlation None when unknown."""

    n_distinct: float
    null_frac: float
    correlation: float | None


class Statistics:
    """Table sizes by (schema, table) and column statistics by (schema, table, column), each built from its
    frame on first use (the column lookup only when an estimate or large_offset needs it)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot

    @property
    def tables(self) -> dict[tuple[str, str], TableSize]:
        """Each table's size."""
        return self._snapshot.derived("advice_table_sizes", _table_sizes)

    @property
    def columns(self) -> dict[tuple[str, str, str], ColumnStatistics]:
        """Each column's statistics."""
        return self._snapshot.derived("advice_column_statistics", _column_statistics)


def statistics(snapshot: Snapshot) -> Statistics:
    """The snapshot's table sizes and column statistics as lookups, each built once per snapshot."""
    return Statistics(snapshot)


def _table_sizes(snapshot: Snapshot) -> dict[tuple[str, str], TableSize]:
    frame = snapshot.frame("tables")
    if frame.empty:
        return {}
    # The heap's main fork: the free space and visibility maps and TOAST are not pages a scan reads (a snapshot
    # stored before heap_bytes was collected has only the whole table's size, an upper bound).
    size_column = next((c for c in ("heap_bytes", "table_bytes") if c in frame), None)
    table_bytes = frame[size_column] if size_column else [None] * len(frame)
    sizes = {}
    for schema, table, reltuples, live, relpages, size in zip(frame["schema"], frame["table"], frame["reltuples"],
                                                              frame["n_live_tup"], frame["relpages"], table_bytes):
        disk = _number(size, math.nan)
        sizes[(schema, table)] = TableSize(_number(reltuples, -1.0), _number(relpages, 0.0), _number(live, 0.0),
                                           None if math.isnan(disk) else disk / PAGE_BYTES)
    return sizes


def _column_statistics(snapshot: Snapshot) -> dict[tuple[str, str, str], ColumnStatistics]:
    frame = snapshot.frame("column_stats")
    if frame.empty:
        return {}
    columns = {}
    for schema, table, column, n_distinct, null_frac, correlation in zip(
            frame["schema"], frame["table"], frame["column"], frame["n_distinct"], frame["null_frac"],
            frame["correlation"]):
        found = _number(correlation, math.nan)
        columns.setdefault((schema, table, column), ColumnStatistics(
            _number(n_distinct, 0.0), _number(null_frac, 0.0), None if math.isnan(found) else found))
    return columns


def _number(value: object, missing: float) -> float:
    """`value` as a float; `missing` for None and NaN (pandas' missing values)."""
    if value is None:
        return missing
    number = float(value)  # type: ignore[arg-type]
    return missing if math.isnan(number) else number
