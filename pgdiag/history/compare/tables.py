"""Table growth between two scans: total size (table, indexes, TOAST) and estimated live rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from pgdiag.core.snapshot import Snapshot

_KEY = ["schema", "table"]


@dataclass(frozen=True)
class TableGrowth:
    """How one table's size changed; `bytes_before` and `rows_before` are None for a new table."""

    schema: str
    table: str
    bytes_before: int | None
    bytes_after: int
    rows_before: int | None
    rows_after: int | None

    @property
    def bytes_delta(self) -> int:
        """Bytes gained (negative when the table shrank, e.g. after VACUUM FULL)."""
        return self.bytes_after - (self.bytes_before or 0)

    def to_dict(self) -> dict[str, Any]:
        """The comparison's ``tables`` entry."""
        return {"schema": self.schema, "table": self.table, "bytes_before": self.bytes_before,
                "bytes_after": self.bytes_after, "bytes_delta": self.bytes_delta,
                "rows_before": self.rows_before, "rows_after": self.rows_after}


def table_growth(before: Snapshot, after: Snapshot, limit: int) -> list[TableGrowth]:
    """Tables whose total size changed (a new table counts from zero), most growth first, at most `limit`.

    Tables whose size was not read in one of the scans (locked at collection time) are left out.
    """
    if not (before.ok("tables") and after.ok("tables")):
        return []
    old = _sizes(before.frame("tables"))
    new = _sizes(after.frame("tables"))
    merged = new.join(old, suffixes=("", "_before"), how="left")
    merged["is_new"] = ~merged.index.isin(old.index)
    read = merged["total_bytes"].notna() & (merged["is_new"] | merged["total_bytes_before"].notna())
    changed = merged[read & (merged["total_bytes"] != merged["total_bytes_before"].fillna(0))]
    rows = [TableGrowth(schema=str(schema), table=str(table), bytes_before=_int(row["total_bytes_before"]),
                        bytes_after=int(row["total_bytes"]), rows_before=_int(row["n_live_tup_before"]),
                        rows_after=_int(row["n_live_tup"]))
            for (schema, table), row in changed.iterrows()]
    rows.sort(key=lambda growth: growth.bytes_delta, reverse=True)
    return rows[:limit]


def _sizes(frame: pd.DataFrame) -> pd.DataFrame:
    """Size (NaN where it was not read) and live rows per (schema, table)."""
    if frame.empty:
        return pd.DataFrame(columns=["total_bytes", "n_live_tup"],
                            index=pd.MultiIndex.from_tuples([], names=_KEY))
    return frame.drop_duplicates(_KEY).set_index(_KEY)[["total_bytes", "n_live_tup"]]


def _int(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)
