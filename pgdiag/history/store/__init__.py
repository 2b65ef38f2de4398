"""History stores (DESIGN §8): where scans keep their snapshots, chosen by the ``--store`` value.

``--store PATH`` is an SQLite file (`pgdiag.history.store.sqlite`); ``--store postgresql://…`` (or a
libpq ``key=value`` string) is schema ``pgdiag`` in a PostgreSQL database
(`pgdiag.history.store.postgres`); ``--store default`` is the file `default_path()`. ``PGDIAG_STORE``
supplies the value when the option is absent.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from platformdirs import user_data_path
from psycopg import pq

from pgdiag.db.dsn import parse
from pgdiag.history.store.base import (
    NewSnapshot,
    SnapshotInfo,
    Store,
    StoredSnapshot,
    StoreError,
)

__all__ = ["NewSnapshot", "SnapshotInfo", "Store", "StoreError", "StoredSnapshot", "default_path", "is_dsn",
           "open_store"]

DEFAULT = "default"
_URL = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.\-]*:/")
_KEYWORD = re.compile(r"(?:^|\s)(\w+)\s*=")


def default_path() -> Path:
    """The default store file: ``history.sqlite3`` in the user's data directory
    (``~/.local/share/pgdiag/`` on Linux, ``~/Library/Application Support/pgdiag/`` on macOS)."""
    return user_data_path("pgdiag", appauthor=False) / "history.sqlite3"


def is_dsn(spec: str) -> bool:
    """Whether a ``--store`` value names a PostgreSQL database rather than a file.

    Anything shaped like a URL (``scheme:/…``) or holding a libpq keyword (``password=…``, ``sslmode=…``)
    is meant as a connection string, even a malformed one: taken as a file name it would create a file
    named after it and echo its password in errors. A malformed one fails in `pgdiag.db.dsn.parse`, redacted.

    >>> is_dsn("postgresql://pgdiag@store/pgdiag"), is_dsn("password=pw dbname=pgdiag"), is_dsn("./h.sqlite3")
    (True, True, False)
    """
    return bool(_URL.match(spec)) or any(key.lower() in _libpq_keywords() for key in _KEYWORD.findall(spec))


@cache
def _libpq_keywords() -> frozenset[str]:
    """The connection keywords the installed libpq knows."""
    return frozenset(option.keyword.decode() for option in pq.Conninfo.get_defaults())


def open_store(spec: str, *, create: bool) -> Store:
    """Open the store `spec` names. With `create` (a scan writing to it) a missing store is created;
    otherwise (history, report) a missing store is a one-line error."""
    if is_dsn(spec):
        from pgdiag.history.store.postgres import PostgresStore

        return PostgresStore(parse(spec), create=create)
    from pgdiag.history.store.sqlite import SqliteStore

    if spec == DEFAULT:
        path = default_path()
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteStore(path, create=create)
    return SqliteStore(Path(spec).expanduser(), create=create)
