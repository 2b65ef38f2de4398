"""The HTML report's tables of statements, tables and indexes: the top rows by a sort key, capped.

A database with thousands of tables would otherwise make a page of many megabytes that renders
slowly and nobody scrolls through; the caps keep the page small and the render cheap (the frames are
cut with ``nlargest`` before any row becomes a Python dict) and the page says how many rows were left
out. The caps and sort keys are documented in docs/report.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import pandas as pd

STATEMENT_ROWS = 200
TABLE_ROWS = 500
INDEX_ROWS = 500

_STATEMENT_COLUMNS = ["queryid", "query", "username", "database", "calls", "total_exec_time", "mean_exec_time", "rows"]
_TABLE_COLUMNS = ["schema", "table", "kind", "total_bytes", "table_bytes", "index_bytes", "n_live_tup", "n_dead_tup",
                  "seq_scan", "idx_scan"]
_INDEX_COLUMNS = ["schema", "table", "index", "method", "definition", "index_bytes", "idx_scan", "is_valid",
                  "is_unique", "is_primary"]


@dataclass(frozen=True)
class Listing:
    """The rows shown (plain dicts, None for missing values) and how many rows there were in all."""

    rows: list[dict[str, Any]]
    total: int

    @property
    def left_out(self) -> int:
        """Rows not shown because of the cap."""
        return self.total - len(self.rows)


def statement_listing(frame: pd.DataFrame, limit: int = STATEMENT_ROWS) -> Listing:
    """The statements with the most total execution time, each with its share (%) of the total time of
    all top-level statements (the total slow_query measures shares against)."""
    if frame.empty:
        return Listing([], 0)
    all_ms = float(frame.loc[frame["toplevel"].astype(bool), "total_exec_time"].sum())
    top = frame.nlargest(limit, "total_exec_time")[_STATEMENT_COLUMNS]
    top = top.assign(share=100 * top["total_exec_time"] / all_ms if all_ms > 0 else float("nan"))
    return Listing(_records(top), len(frame))


def table_listing(frame: pd.DataFrame, growth: dict[tuple[str, str], int] | None = None,
                  limit: int = TABLE_ROWS) -> Listing:
    """The largest tables (total size with indexes and TOAST; unknown sizes last), with dead rows as a
    percentage of all rows and, when `growth` is given, the bytes each grew since the baseline."""
    if frame.empty:
        return Listing([], 0)
    top = _largest(frame, "total_bytes", limit)[_TABLE_COLUMNS]
    all_rows = top["n_live_tup"] + top["n_dead_tup"]
    top = top.assign(dead_percent=100 * top["n_dead_tup"] / all_rows.where(all_rows > 0))
    if growth is not None:
        keys = pd.MultiIndex.from_frame(top[["schema", "table"]])
        top = top.assign(growth_bytes=pd.Series(growth, dtype="Int64").reindex(keys).array)
    return Listing(_records(top), len(frame))


def index_listing(frame: pd.DataFrame, limit: int = INDEX_ROWS) -> Listing:
    """The largest indexes (unknown sizes last) with their scans and what they enforce."""
    if frame.empty:
        return Listing([], 0)
    return Listing(_records(_largest(frame, "index_bytes", limit)[_INDEX_COLUMNS]), len(frame))


def growth_by_table(tables: Sequence[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """The comparison's table growth entries as bytes gained per (schema, table)."""
    return {(t["schema"], t["table"]): t["bytes_delta"] for t in tables}


def _largest(frame: pd.DataFrame, column: str, limit: int) -> pd.DataFrame:
    """The `limit` rows with the largest `column`, rows where it is unknown after all known ones."""
    return frame.sort_values(column, ascending=False, na_position="last", kind="stable").head(limit)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with None for NaN/NaT, converted column-wise rather than per cell."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")
