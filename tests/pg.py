"""Real PostgreSQL servers for the tests, and helpers to set up a database in them.

Order of preference (DEVELOPERS.md): ``PGDIAG_TEST_DSN``; else testcontainers when a Docker
engine answers; else the embedded PostgreSQL 18 wheel plus every PostgreSQL installed from the
system's packages. ``PGDIAG_TEST_MAJORS=15,18`` restricts the majors used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import psycopg

from pgdiag.db.server import (
    Installation,
    LocalServer,
    embedded_installation,
    system_installations,
)

SERVER_SETTINGS = {
    "shared_preload_libraries": "pg_stat_statements",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "60",
}
PASSWORD_ROLE = "pgdiag_pw"
PASSWORD = "s3cret-Pa55word"


@dataclass
class Backend:
    """One server the suite can run against; started lazily."""

    label: str
    installation: Installation | None = None
    external_dsn: str | None = None
    image: str | None = None
    _server: LocalServer | None = field(default=None, repr=False)
    _container: object | None = field(default=None, repr=False)
    _dsn: str | None = field(default=None, repr=False)

    def start(self) -> None:
        """Start the server (or check the external one answers) and create the password role."""
        if self.installation is not None:
            base = Path(tempfile.mkdtemp(prefix="pgdiag-test-"))
            self._server = LocalServer(self.installation, base, settings=SERVER_SETTINGS)
            self._server.start()
            self._dsn = self._server.dsn()
        elif self.image is not None:
            from testcontainers.postgres import PostgresContainer

            container = PostgresContainer(self.image).with_command(
                "postgres -c shared_preload_libraries=pg_stat_statements -c fsync=off")
            container.start()
            self._container = container
            self._dsn = (f"host={container.get_container_host_ip()} port={container.get_exposed_port(5432)} "
                         f"user={container.username} password={container.password} dbname={container.dbname}")
        else:
            self._dsn = self.external_dsn
        with self.admin() as conn:
            conn.execute(f"DROP ROLE IF EXISTS {PASSWORD_ROLE}")
            conn.execute(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{PASSWORD}'")

    def stop(self) -> None:
        """Stop what `start` started and remove its files."""
        if self._server is not None:
            self._server.stop()
            shutil.rmtree(self._server.base_dir, ignore_errors=True)
        if self._container is not None:
            self._container.stop()

    def dsn(self, dbname: str = "postgres") -> str:
        """A superuser key=value DSN for `dbname`."""
        assert self._dsn is not None, "backend not started"
        return f"{self._dsn} dbname={dbname}"

    def admin(self, dbname: str = "postgres") -> psycopg.Connection:
        """An autocommit superuser connection for test set-up (not a pgdiag session)."""
        return psycopg.connect(self.dsn(dbname), autocommit=True)

    @property
    def major(self) -> int:
        """The server's major version."""
        with self.admin() as conn:
            return conn.info.server_version // 10000

    def tcp_dsn(self, dbname: str, user: str = PASSWORD_ROLE, password: str = PASSWORD) -> str | None:
        """A password-authenticated URL over TCP, where this backend offers one."""
        if self._server is None:
            return None
        return self._server.tcp_dsn(dbname, user, password)

    def tool(self, name: str) -> Path:
        """A client program such as ``pgbench``: this server's own, else the embedded wheel's."""
        for installation in (self.installation, embedded_installation()):
            if installation is not None and (installation.bin_dir / name).exists():
                return installation.bin_dir / name
        raise FileNotFoundError(f"no {name} program for {self.label}")

    @property
    def tcp_port(self) -> int | None:
        """The TCP port of a local server."""
        return self._server.port if self._server else None


def _docker_answers() -> bool:
    """Whether a Docker engine (not only the client) is reachable, and testcontainers is installed."""
    if shutil.which("docker") is None:
        return False
    try:
        import testcontainers  # noqa: F401
    except ImportError:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def discover_backends() -> list[Backend]:
    """The servers this machine offers, in the documented order of preference."""
    external = os.environ.get("PGDIAG_TEST_DSN")
    if external:
        return [Backend(label="external", external_dsn=external)]
    wanted = {int(m) for m in os.environ.get("PGDIAG_TEST_MAJORS", "").split(",") if m.strip()}
    if _docker_answers():
        majors = sorted(wanted or {15, 18})
        return [Backend(label=f"pg{m}-docker", image=f"postgres:{m}") for m in majors]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        installations = [i for i in [embedded_installation()] if i] + system_installations()
    chosen: dict[int, Installation] = {}
    for inst in installations:
        if (not wanted or inst.major in wanted) and inst.major not in chosen:
            chosen[inst.major] = inst
    return [Backend(label=inst.label, installation=inst) for inst in sorted(chosen.values(), key=lambda i: i.major)]


@dataclass
class TestDatabase:
    """A database of its own for one test module, on one backend."""

    __test__ = False  # not a test class, despite the name
    backend: Backend
    name: str

    @property
    def dsn(self) -> str:
        """Superuser DSN for this database."""
        return self.backend.dsn(self.name)

    def connect(self) -> psycopg.Connection:
        """An autocommit superuser connection for set-up."""
        return self.backend.admin(self.name)

    def execute(self, *statements: str) -> None:
        """Run set-up statements in autocommit mode."""
        with self.connect() as conn:
            for statement in statements:
                conn.execute(statement)

    def wait_until(self, condition_sql: str, timeout: float = 15.0) -> None:
        """Poll until `condition_sql` returns true: cumulative statistics reach readers asynchronously."""
        deadline = time.monotonic() + timeout
        with self.connect() as conn:
            while True:
                if conn.execute(condition_sql).fetchone()[0]:
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(f"timed out waiting for: {condition_sql}")
                time.sleep(0.1)

    def replay(self, statement: str, params: Iterable[Sequence[Any]]) -> None:
        """Run `statement` (with ``$n`` placeholders, bound by the server as an application would)
        once per parameter tuple, fetching what it returns."""
        with self.connect() as conn, psycopg.RawCursor(conn) as cursor:
            for values in params:
                cursor.execute(statement, list(values) or None)
                if cursor.description is not None:
                    cursor.fetchall()

    def reset_statements(self) -> None:
        """Empty pg_stat_statements, so a test sees only its own workload."""
        self.execute("SELECT pg_stat_statements_reset()")

    def has_extension(self, name: str) -> bool:
        """Whether the server can create extension `name`."""
        with self.connect() as conn:
            return bool(conn.execute("SELECT count(*) FROM pg_available_extensions WHERE name = %s",
                                     (name,)).fetchone()[0])


def create_database(backend: Backend, name: str, extensions: tuple[str, ...] = ("pg_stat_statements",)) -> TestDatabase:
    """(Re)create database `name` on `backend` with `extensions`."""
    with backend.admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    db = TestDatabase(backend, name)
    db.execute(*(f"CREATE EXTENSION IF NOT EXISTS {ext}" for ext in extensions))
    return db


def drop_database(db: TestDatabase) -> None:
    """Remove a test database."""
    with db.backend.admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')


def hypopg_available(db: TestDatabase) -> bool:
    """Create hypopg in `db` where the server has it. Under ``CI=true`` the PostgreSQL 15 system
    server must have it (.ci/run installs Debian's postgresql-15-hypopg), so its absence fails."""
    if db.has_extension("hypopg"):
        db.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        return True
    if os.environ.get("CI") == "true" and db.backend.label == "pg15-system":
        raise AssertionError("CI=true but hypopg is missing on PostgreSQL 15: install postgresql-15-hypopg")
    return False
