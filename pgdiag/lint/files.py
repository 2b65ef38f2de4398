"""Which migration files to lint, in the order they run."""

from __future__ import annotations

import os
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
    seen: dict[tuple[int, int], list[Path]] = {}
    for path in paths:
        for file in _expand(path):
            if not _seen(file, seen):
                found.append(MigrationFile(path=file, display=str(file), prisma=file.name == PRISMA_FILE))
    return found


def _seen(file: Path, seen: dict[tuple[int, int], list[Path]]) -> bool:
    """Whether `file` was listed already, under this name or another one that leads to it (a symbolic link);
    else it is added to `seen`, the files listed by device and inode.

    One stat tells most files apart; only files that share an inode have their real paths compared, so hard
    links stay two files, as they were when every file's real path was the key (a stat instead of a
    lookup of each directory on the way: 0.01 s on 434 migrations)."""
    try:
        status = file.stat()
    except OSError:  # gone since it was found: reading it says so
        return False
    earlier = seen.setdefault((status.st_dev, status.st_ino), [])
    real = os.path.realpath(file) if earlier else None
    if any(os.path.realpath(other) == real for other in earlier):
        return True
    earlier.append(file)
    return False


def _expand(path: Path) -> list[Path]:
    """`path` itself when it is a file, else the ``.sql`` files under it in path order, hidden directories and
    node_modules left out (and not walked: a project's root can be given). Symbolic links to directories are
    not followed, as ``Path.rglob`` does not."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise MigrationError(f"{path}: no such file or directory")
    found = []
    for directory, subdirectories, names in os.walk(path):
        subdirectories[:] = [name for name in subdirectories if not _skipped(name)]
        found.extend(Path(directory, name) for name in names if os.path.normcase(name).endswith(".sql"))
    files = sorted((p for p in found if p.is_file()), key=lambda p: p.relative_to(path).parts)
    if not files:
        raise MigrationError(f"{path}: no .sql file in this directory")
    return files


def _skipped(directory: str) -> bool:
    """Whether a directory is hidden or node_modules."""
    return directory.startswith(".") or directory in _SKIPPED_DIRS
