"""Query results read column by column, with equal values shared: the frames a large catalog makes stay small.

A catalog of thousands of tables repeats each schema, table and column name, and each index's column
list, on every row. Read row by row into tuples and then into frames, the whole result lived three
times at once (libpq's buffer, the rows, the frame) and every repeated name was its own object. Here
the rows arrive in chunks (libpq 17's chunked mode through ``Cursor.stream``; the whole result where
the client library is older, or where no row came: such a result is read again to learn its columns)
and go straight into one list per column, where an equal string
or array is the object already seen. Shared arrays are read, never changed in place. Numbers are packed
into a NumPy array every `CHUNK_ROWS` rows (int64, else float64 where a NULL or a decimal occurs), so a
catalog's counters never live as hundreds of thousands of Python objects: freed only after their frame
was made, they had left the allocator's arenas half full beside the names that stay (a 5,000-table scan's
peak, bench/scale.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd
import psycopg
from psycopg import sql
from psycopg.postgres import types

CHUNK_ROWS = 1000
CHUNKED_LIBPQ = 170000
"""The first libpq with chunked rows (``PQsetChunkedRowsMode``): older ones fetch the result whole."""
NUMERIC_TYPES = frozenset(types.get(name).oid
                          for name in ("int2", "int4", "int8", "oid", "float4", "float8", "numeric"))


@dataclass(frozen=True)
class Columns:
    """A result read column by column: (name, type oid) per column and each column's values, in row order."""

    described: list[tuple[str, int]]
    values: list[Any]
    """Per column, a list of its values, or for a number column (`NUMERIC_TYPES`) a NumPy array."""

    @property
    def row_count(self) -> int:
        """How many rows the result had."""
        return len(self.values[0]) if self.values else 0


def fetch_columns(conn: psycopg.Connection, query: sql.Composable) -> Columns:
    """Run `query` on `conn` and read its result into columns, equal values shared within each column."""
    with conn.cursor() as cursor:
        def numeric() -> list[bool]:
            return [d.type_code in NUMERIC_TYPES for d in cursor.description or []]

        values = _columns(cursor.stream(query, size=CHUNK_ROWS), numeric) \
            if psycopg.pq.version() >= CHUNKED_LIBPQ else []
        if not values:  # no chunks: an older libpq, or no rows (a stream of none does not say its columns)
            cursor.execute(query)
            values = _columns(cursor.fetchall(), numeric)
        described = [(d.name, d.type_code) for d in cursor.description or []]
    return Columns(described, values or [[] for _ in described])


def _columns(rows: Iterable[tuple[Any, ...]], numeric: Callable[[], list[bool]]) -> list[Any]:
    """The rows' values by column, equal strings and arrays made one object per column, the columns `numeric`
    marks (asked once the first row came) packed into arrays."""
    values: list[list[Any]] = []
    shared: list[dict[Any, Any]] = []
    packed: list[list[np.ndarray] | None] = []
    pending = 0
    for row in rows:
        if not values:
            values, shared = [[] for _ in row], [{} for _ in row]
            packed = [[] if number else None for number in numeric()]
        for value, column, seen in zip(row, values, shared):
            if isinstance(value, str):
                value = seen.setdefault(value, value)
            elif isinstance(value, list):
                value = _shared_array(value, seen)
            column.append(value)
        pending += 1
        if pending == CHUNK_ROWS:
            _pack(values, packed)
            pending = 0
    if not values:
        return values
    _pack(values, packed)
    return [np.concatenate(parts) if parts is not None else column for column, parts in zip(values, packed)]


def _pack(values: list[list[Any]], packed: list[list[np.ndarray] | None]) -> None:
    """Move the number columns' pending values into arrays: int64 where every value is an integer, else float64
    (NULL is NaN, a decimal its nearest float)."""
    for column, parts in zip(values, packed):
        if parts is not None and column:
            parts.append(pd.to_numeric(pd.Series(column, dtype=object), errors="coerce").to_numpy())
            column.clear()


def _shared_array(value: list[Any], seen: dict[Any, Any]) -> list[Any]:
    """The list already seen with these elements (strings among them shared too), else `value` itself."""
    try:
        return seen.setdefault(tuple(value), [seen.setdefault(v, v) if isinstance(v, str) else v for v in value])
    except TypeError:  # an unhashable element (a nested array or a JSON document): kept as it is
        return value
