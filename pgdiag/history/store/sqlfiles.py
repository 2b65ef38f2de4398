"""The store's own SQL: versioned migrations and named statements, one ``.sql`` file each, per backend.

Layout (inside the package, so a wheel carries it)::

    pgdiag/history/store/migrations/<backend>/NNNN_<what>.sql   schema changes, applied in order once
    pgdiag/history/store/sql/<backend>/<verb>_<thing>.sql      one statement each, opening with a ``--`` comment

Unlike ``queries/`` (read-only statements for a target, marked ``/* pgdiag */``), these run
against the store only.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_MIGRATION = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BACKENDS = ("sqlite", "postgres")


@cache
def statement(backend: str, name: str) -> str:
    """The text of statement `name` for `backend`, without its leading comment lines.

    >>> statement("sqlite", "select_format")
    "SELECT value FROM store_meta WHERE key = 'format'"
    """
    path = _HERE / "sql" / backend / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no store statement {name!r} for {backend} ({path})")
    lines = path.read_text(encoding="utf-8").splitlines()
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("--")):
        lines.pop(0)
    return "\n".join(lines).strip()


def statement_names(backend: str) -> set[str]:
    """Every statement shipped for `backend`."""
    return {path.stem for path in (_HERE / "sql" / backend).glob("*.sql")}


@cache
def migrations(backend: str) -> dict[int, Path]:
    """The migration files of `backend` by version number (``0001_init.sql`` is version 1)."""
    found: dict[int, Path] = {}
    for path in (_HERE / "migrations" / backend).glob("*.sql"):
        match = _MIGRATION.match(path.name)
        if match:
            found[int(match.group(1))] = path
    return found
