"""Turn query results into pandas DataFrames with plain, stable dtypes."""

from __future__ import annotations

from typing import Any, Sequence

import pandas as pd
from psycopg.postgres import types

_NUMERIC = {types.get(name).oid for name in ("int2", "int4", "int8", "oid", "float4", "float8", "numeric")}
_TIMESTAMPS = {types.get(name).oid for name in ("timestamptz", "timestamp")}


def to_frame(columns: Sequence[tuple[str, int]], rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """A DataFrame of `rows`; `columns` are (name, type oid) pairs from the cursor description.

    Numbers become int64 or float64 (float when NULLs or decimals occur), timestamps become
    UTC datetimes, so frames survive a round trip through the snapshot file unchanged.
    """
    frame = pd.DataFrame.from_records(list(rows), columns=[name for name, _ in columns])
    for name, oid in columns:
        if oid in _NUMERIC:
            frame[name] = pd.to_numeric(frame[name], errors="coerce")  # Decimals (numeric) become floats
        elif oid in _TIMESTAMPS:
            frame[name] = pd.to_datetime(frame[name], utc=True).astype("datetime64[ns, UTC]")
    return frame
