"""Throwaway PostgreSQL servers for the bench scripts, from the embedded wheel or the system's packages."""

from __future__ import annotations

import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from pgdiag.db.server import (
    Installation,
    LocalServer,
    embedded_installation,
    system_installations,
)


def installation(major: int | None, prefer_system: bool = False) -> Installation:
    """The installation of PostgreSQL `major` (any major when None), the system's first when
    `prefer_system` (where hypopg can be installed), else the embedded wheel's first."""
    embedded = [i for i in [embedded_installation()] if i]
    found = system_installations() + embedded if prefer_system else embedded + system_installations()
    for candidate in found:
        if major is None or candidate.major == major:
            return candidate
    sys.exit(f"bench: no PostgreSQL {major or ''} installation found")


@contextmanager
def throwaway_server(chosen: Installation, settings: dict[str, str]) -> Iterator[tuple[LocalServer, Path]]:
    """A started server in a temporary directory (also handed out for the bench's own files); stopped and
    removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="pgdiag-bench-"))
    server = LocalServer(chosen, base / "pg", settings=settings)
    server.start()
    try:
        yield server, base
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
