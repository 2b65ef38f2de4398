"""Query results read column by column, with equal values shared: the frames a large catalog makes stay small.

A catalog of thousands of tables repeats each schema, table and column name, and each index's column
list, on every row. Read row by row into tuples and then into frames, the whole result lived three
times at once (libpq's buffer, the rows, the frame) and every repeated name was its own object. Here
the rows arrive in chunks (libpq 17's chunked mode through ``Cursor.stream``; the whole result where
the client library is older, or where no row came: such a result is read again to learn its columns)
and go straight into one list per column, where an equal string
or array is the object already seen. Shared arrays are read, never changed in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import psycopg
from psycopg import sql

CHUNK_ROWS = 1000
CHUNKED_LIBPQ = 170000
"""The first libpq with chunked rows (``PQsetChunkedRowsMode``): older ones fetch the result whole."""


@dataclass(frozen=True)
class Columns:
    """A result read column by column: (name, type oid) per column and each column's values, in row order."""

    described: list[tuple[str, int]]
    values: list[list[Any]]

    @property
    def row_count(self) -> int:
        """How many rows the result had."""
        return len(self.values[0]) if self.values else 0


def fetch_columns(conn: psycopg.Connection, query: sql.Composable) -> Columns:
    """Run `query` on `conn` and read its result into columns, equal values shared within each column."""
    with conn.cursor() as cursor:
        values = _columns(cursor.stream(query, size=CHUNK_ROWS)) if psycopg.pq.version() >= CHUNKED_LIBPQ else []
        if not values:  # no chunks: an older libpq, or no rows (a stream of none does not say its columns)
            cursor.execute(query)
            values = _columns(cursor.fetchall())
        described = [(d.name, d.type_code) for d in cursor.description or []]
    return Columns(described, values or [[] for _ in described])


def _columns(rows: Iterable[tuple[Any, ...]]) -> list[list[Any]]:
    """The rows' values by column, equal strings and arrays made one object per column."""
    values: list[list[Any]] = []
    shared: list[dict[Any, Any]] = []
    for row in rows:
        if not values:
            values, shared = [[] for _ in row], [{} for _ in row]
        for value, column, seen in zip(row, values, shared):
            if isinstance(value, str):
                value = seen.setdefault(value, value)
            elif isinstance(value, list):
                value = _shared_array(value, seen)
            column.append(value)
    return values


def _shared_array(value: list[Any], seen: dict[Any, Any]) -> list[Any]:
    """The list already seen with these elements (strings among them shared too), else `value` itself."""
    try:
        return seen.setdefault(tuple(value), [seen.setdefault(v, v) if isinstance(v, str) else v for v in value])
    except TypeError:  # an unhashable element (a nested array or a JSON document): kept as it is
        return value
