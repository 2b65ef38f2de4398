"""Where a project's Prisma schema is: ``--prisma-schema``, else where the Prisma CLI itself looks.

Without ``--prisma-schema``, the places Prisma's CLI searches are tried in its order, relative to the
working directory: ``prisma.config.ts`` (and its ``.mts``/``.cts``/``.js``/``.mjs``/``.cjs`` forms) when its
``schema:`` is a string literal, ``package.json``'s ``"prisma": {"schema": …}``, ``prisma/schema.prisma``,
the multi-file folder ``prisma/schema/``, then ``schema.prisma``. No schema found means no ``prisma_fix``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pgdiag.prisma.schema import PrismaSchemaError, Schema, load_schema

DEFAULT_PLACES = ("prisma/schema.prisma", "prisma/schema", "schema.prisma")
CONFIG_FILES = tuple(f"prisma.config.{ext}" for ext in ("ts", "mts", "cts", "js", "mjs", "cjs"))
# `schema: "./schema"` in defineConfig({...}); a computed path (path.join(...)) is not read.
_CONFIG_SCHEMA = re.compile(r"""^\s*schema\s*:\s*(["'])([^"'\n]+)\1""", re.MULTILINE)


def find_schema(cwd: Path) -> Path | None:
    """The schema the Prisma CLI would use in `cwd` (a file or a folder), relative to `cwd`; None when there is none."""
    configured = _config_file_schema(cwd) or _package_json_schema(cwd)
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


def _config_file_schema(cwd: Path) -> Path | None:
    """The ``schema:`` string of ``prisma.config.ts`` (Prisma 6+; relative to `cwd`) when it names an existing
    path, else None. The file is TypeScript: only a literal ``schema: "…"`` line is read, nothing is run."""
    for name in CONFIG_FILES:
        try:
            text = (cwd / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        match = _CONFIG_SCHEMA.search(text)
        if match is not None and (cwd / match.group(2)).exists():
            return Path(match.group(2))
    return None
