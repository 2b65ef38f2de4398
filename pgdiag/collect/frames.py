"""Turn query results into pandas DataFrames with plain, stable dtypes."""

from __future__ import annotations

import pandas as pd
from psycopg.postgres import types

from pgdiag.db.results import NUMERIC_TYPES, Columns

_TIMESTAMPS = {types.get(name).oid for name in ("timestamptz", "timestamp")}


def to_frame(result: Columns) -> pd.DataFrame:
    """A DataFrame of a result read by column (`pgdiag.db.results`, equal values already shared).

    Numbers become int64 or float64 (float when NULLs or decimals occur), timestamps become
    UTC datetimes, so frames survive a round trip through the snapshot file unchanged.
    """
    frame = pd.DataFrame(dict(zip((name for name, _ in result.described), result.values)),
                         columns=[name for name, _ in result.described],
                         dtype=None if result.row_count else object)  # no values to infer a type from
    for name, oid in result.described:
        if oid in NUMERIC_TYPES:
            frame[name] = pd.to_numeric(frame[name], errors="coerce")  # Decimals (numeric) become floats
        elif oid in _TIMESTAMPS:
            frame[name] = pd.to_datetime(frame[name], utc=True).astype("datetime64[ns, UTC]")
    return frame
