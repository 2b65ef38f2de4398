"""Which migration files to lint, in the order they run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from pgdiag.core.errors import PgdiagError

PRISMA_FILE = "migration.sql"
_SKIPPED_DIRS = {"node_modules"}


class MigrationError(PgdiagError):
    """A migration path that cannot be read or a file that does not parse: one line, exit code 2."""


@dataclass(frozen=True)
class MigrationFile:
    """One migration file: where it is, how to name it in findings, and whether Prisma Migrate runs it."""

    path: Path
    display: str
    prisma: bool


def migration_files(paths: Sequence[Path]) -> list[MigrationFile]:
    """The files `paths` name, in the order they run: each path in the order given; a directory's ``.sql``
    files sorted by their path inside it, which is Prisma's timestamp order for
    ``<timestamp>_<name>/migration.sql``. A file given twice is linted once.
    """
    found: list[MigrationFile] = []
    seen: set[Path] = set()
    for path in paths:
        for file in _expand(path):
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                found.append(MigrationFile(path=file, display=str(file), prisma=file.name == PRISMA_FILE))
    return found


def _expand(path: Path) -> list[Path]:
    """`path` itself when it is a file, else the ``.sql`` files under it in path order."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise MigrationError(f"{path}: no such file or directory")
    files = sorted((p for p in path.rglob("*.sql") if p.is_file() and not _skipped(p.relative_to(path))),
                   key=lambda p: p.relative_to(path).parts)
    if not files:
        raise MigrationError(f"{path}: no .sql file in this directory")
    return files


def _skipped(relative: Path) -> bool:
    """Whether a file lies in a hidden directory or in node_modules."""
    return any(part.startswith(".") or part in _SKIPPED_DIRS for part in relative.parts[:-1])
