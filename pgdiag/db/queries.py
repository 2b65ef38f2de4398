"""Load the collectors' SQL from ``queries/``, picking the variant for the server's version.

A query ``name`` lives in ``queries/name.sql`` (valid from PostgreSQL 13, the oldest
supported); a file ``queries/name.pgNN.sql`` replaces it from major version NN upward.
Every text carries the ``/* pgdiag */`` marker right after its first keyword, so workload
analysis can skip pgdiag's own statements (pg_stat_statements drops comments that come
before a statement, but keeps those inside it).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from pgdiag.core.resources import resource_dir

MARKER = "/* pgdiag */"
_VARIANT = re.compile(r"^(?P<name>[a-z0-9_]+?)(?:\.pg(?P<major>\d+))?\.sql$")


@cache
def _variants() -> dict[str, dict[int, Path]]:
    """Map each query name to its files keyed by the first major version they serve."""
    found: dict[str, dict[int, Path]] = {}
    for path in resource_dir("queries").glob("*.sql"):
        match = _VARIANT.match(path.name)
        if match:
            major = int(match["major"] or 0)
            found.setdefault(match["name"], {})[major] = path
    return found


def names() -> list[str]:
    """Every query name shipped in ``queries/``."""
    return sorted(_variants())


def path_for(name: str, server_version_num: int) -> Path:
    """The file that serves query `name` on a server of `server_version_num`.

    >>> path_for("statements", 170004).name
    'statements.pg17.sql'
    >>> path_for("statements", 130010).name
    'statements.sql'
    """
    variants = _variants().get(name)
    if not variants:
        raise KeyError(f"no query file for {name!r} in {resource_dir('queries')}")
    major = server_version_num // 10000
    usable = [m for m in variants if m <= major]
    if not usable:
        raise KeyError(f"query {name!r} has no variant for PostgreSQL {major}")
    return variants[max(usable)]


@cache
def get(name: str, server_version_num: int) -> str:
    """The SQL text of query `name` for `server_version_num`, marked as pgdiag's own.

    >>> get("server", 180000).startswith("SELECT /* pgdiag */ current_setting")
    True
    """
    return mark(path_for(name, server_version_num).read_text())


def mark(text: str) -> str:
    r"""`text` without its leading ``--`` comment lines, with the marker after the first keyword.

    >>> mark("-- what it returns\nWITH x AS (SELECT 1) SELECT * FROM x")
    'WITH /* pgdiag */ x AS (SELECT 1) SELECT * FROM x'
    """
    lines = text.splitlines()
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("--")):
        lines.pop(0)
    keyword, _, rest = "\n".join(lines).partition(" ")
    return f"{keyword} {MARKER} {rest}"
