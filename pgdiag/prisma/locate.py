"""Where a project's Prisma schema is: ``--prisma-schema``, else where the Prisma CLI itself looks.

Without ``--prisma-schema``, the places Prisma's CLI searches are tried in its order, relative to the
working directory: ``package.json``'s ``"prisma": {"schema": …}``, ``prisma/schema.prisma``, the
multi-file folder ``prisma/schema/``, then ``schema.prisma``. No schema found means no ``prisma_fix``.
"""

from __future__ import annotations

import json
from pathlib import Path

from pgdiag.prisma.schema import PrismaSchemaError, Schema, load_schema

DEFAULT_PLACES = ("prisma/schema.prisma", "prisma/schema", "schema.prisma")


def find_schema(cwd: Path) -> Path | None:
    """The schema the Prisma CLI would use in `cwd` (a file or a folder), relative to `cwd`; None when there is none."""
    configured = _package_json_schema(cwd)
    if configured is not None:
        return configured
    for place in DEFAULT_PLACES:
        candidate = cwd / place
        if candidate.is_file() or (candidate.is_dir() and any(candidate.rglob("*.prisma"))):
            return Path(place)
    return None


def resolve_schema(option: Path | None, cwd: Path | None = None) -> Schema | None:
    """The parsed schema given with ``--prisma-schema`` (which must exist), else the one found in `cwd`, else None."""
    if option is not None:
        if not option.exists():
            raise PrismaSchemaError(f"Prisma schema {option} does not exist")
        return load_schema(option)
    cwd = cwd or Path.cwd()
    found = find_schema(cwd)
    return load_schema(cwd / found, str(found)) if found is not None else None


def _package_json_schema(cwd: Path) -> Path | None:
    """``package.json``'s ``prisma.schema`` (relative to `cwd`) when it names an existing path, else None."""
    package = cwd / "package.json"
    try:
        configured = json.loads(package.read_text(encoding="utf-8")).get("prisma", {}).get("schema")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(configured, str):
        return None
    return Path(configured) if (cwd / configured).exists() else None
