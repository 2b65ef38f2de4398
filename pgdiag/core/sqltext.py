"""Build the SQL text of fixes: quoted identifiers and readable index names."""

from __future__ import annotations

import re
from typing import Iterable

from pglast.keywords import (
    COL_NAME_KEYWORDS,
    RESERVED_KEYWORDS,
    TYPE_FUNC_NAME_KEYWORDS,
)

_PLAIN = re.compile(r"^[a-z_][a-z0-9_$]*$")
# Like PostgreSQL's quote_ident(): every keyword but the unreserved ones is quoted, since a reserved, type/function
# name or column name keyword is not a valid bare name everywhere a fix puts one (``ON t (left)`` fails).
_KEYWORDS = RESERVED_KEYWORDS | TYPE_FUNC_NAME_KEYWORDS | COL_NAME_KEYWORDS
MAX_IDENTIFIER = 63


def quote_ident(name: str) -> str:
    """`name` as PostgreSQL needs it written: bare when lower-case and not reserved, else double-quoted.

    >>> quote_ident("alert"), quote_ident("organizationId"), quote_ident("order"), quote_ident("left")
    ('alert', '"organizationId"', '"order"', '"left"')
    """
    if _PLAIN.match(name) and name not in _KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str | None, name: str) -> str:
    """``schema.name`` with both parts quoted as needed.

    >>> qualified("public", "Client")
    'public."Client"'
    """
    return f"{quote_ident(schema)}.{quote_ident(name)}" if schema else quote_ident(name)


def column_list(columns: Iterable[str]) -> str:
    """A comma-separated list of quoted column names."""
    return ", ".join(quote_ident(c) for c in columns)


def index_name(table: str, columns: Iterable[str], suffix: str = "idx") -> str:
    """A readable index name such as ``Alert_organizationId_status_idx``, cut to PostgreSQL's 63 bytes.

    >>> index_name("Alert", ["organizationId", "status"])
    'Alert_organizationId_status_idx'
    """
    name = "_".join([table, *columns, suffix])
    if len(name.encode()) <= MAX_IDENTIFIER:
        return name
    room = MAX_IDENTIFIER - len(suffix) - 1
    return name.encode()[:room].decode(errors="ignore").rstrip("_") + "_" + suffix


def create_index_sql(schema: str | None, table: str, columns: Iterable[str], name: str | None = None,
                     descending: Iterable[bool] = (), concurrently: bool = True) -> str:
    """``CREATE INDEX CONCURRENTLY`` for `columns` of `table`, with a readable name; a True in
    `descending` sorts that column in descending order. A partitioned table cannot be indexed
    concurrently: `concurrently` False writes a plain ``CREATE INDEX`` (it cascades to every partition).

    >>> create_index_sql("public", "Alert", ["clientId"])
    'CREATE INDEX CONCURRENTLY "Alert_clientId_idx" ON public."Alert" ("clientId");'
    >>> create_index_sql("public", "Alert", ["organizationId", "createdAt"], descending=[False, True])
    'CREATE INDEX CONCURRENTLY "Alert_organizationId_createdAt_idx" ON public."Alert" ("organizationId", "createdAt" DESC);'
    """
    cols = list(columns)
    name = name or index_name(table, cols)
    order = list(descending) + [False] * len(cols)
    keys = ", ".join(quote_ident(c) + (" DESC" if desc else "") for c, desc in zip(cols, order))
    how = "CREATE INDEX CONCURRENTLY" if concurrently else "CREATE INDEX"
    return f"{how} {quote_ident(name)} ON {qualified(schema, table)} ({keys});"


def drop_index_sql(schema: str | None, index: str) -> str:
    """``DROP INDEX CONCURRENTLY`` for an index (never blocks writes to its table).

    >>> drop_index_sql("public", "Alert_status_idx")
    'DROP INDEX CONCURRENTLY public."Alert_status_idx";'
    """
    return f"DROP INDEX CONCURRENTLY {qualified(schema, index)};"
