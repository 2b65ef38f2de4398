"""Throwaway servers for the server-health checks, and sessions that hold a transaction or wait on a lock.

Some conditions need a server of their own: prepared transactions need ``max_prepared_transactions``
(a restart), and slots, prepared transactions and idle sessions would hold the shared test server's
horizon back for every other test module.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import psycopg
import pytest

from pgdiag.db.server import SERVER_USER, SUPERUSER, LocalServer
from tests.pg import Backend

BASE_SETTINGS = {
    "shared_preload_libraries": "pg_stat_statements",
    "fsync": "off",
    "max_connections": "30",
}


@contextmanager
def throwaway_server(backend: Backend, **settings: str) -> Iterator[LocalServer]:
    """A fresh cluster of `backend`'s major with `settings`, stopped and removed afterwards."""
    if backend.installation is None:
        pytest.skip("this backend offers no local binaries for a throwaway server")
    server = LocalServer(backend.installation, Path(tempfile.mkdtemp(prefix="pgdiag-health-")),
                         settings={**BASE_SETTINGS, **settings})
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.base_dir, ignore_errors=True)


def connect(dsn: str, application_name: str, autocommit: bool = True) -> psycopg.Connection:
    """A plain client session (not a pgdiag one) named `application_name`."""
    return psycopg.connect(dsn, autocommit=autocommit, application_name=application_name)


def wait_for(dsn: str, condition_sql: str, timeout: float = 15.0) -> None:
    """Poll until `condition_sql` returns true."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(dsn, autocommit=True) as conn:
        while not conn.execute(condition_sql).fetchone()[0]:
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for: {condition_sql}")
            time.sleep(0.05)


@contextmanager
def blocked_behind_access_exclusive(dsn: str, table: str, holder_app: str, waiter_app: str) -> Iterator[None]:
    """A session holding ACCESS EXCLUSIVE on `table` in an open transaction, and a second one waiting to read it;
    both end (the holder rolls back, the reader finishes) when the block exits."""
    holder = connect(dsn, holder_app, autocommit=False)
    holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    waiter = connect(dsn, waiter_app)
    reader = threading.Thread(target=lambda: waiter.execute(f"SELECT count(*) FROM {table}").fetchone(), daemon=True)
    reader.start()
    try:
        wait_for(dsn, f"SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name = '{waiter_app}' "
                      "AND wait_event_type = 'Lock'")
        yield
    finally:
        holder.rollback()
        reader.join(timeout=15)
        holder.close()
        waiter.close()


@contextmanager
def streaming_standby(primary: LocalServer, **settings: str) -> Iterator[LocalServer]:
    """A streaming standby of `primary`, cloned with pg_basebackup (-R writes standby.signal and primary_conninfo)
    and started with `settings` (its ``cluster_name`` is the application_name the primary sees); stopped and
    removed afterwards."""
    standby = LocalServer(primary.installation, Path(tempfile.mkdtemp(prefix="pgdiag-standby-")),
                          settings={**BASE_SETTINGS, **settings})
    standby.data_dir.mkdir(parents=True)
    as_server_user = {"user": SERVER_USER, "cwd": "/"} if os.geteuid() == 0 else {}
    if as_server_user:
        shutil.chown(standby.base_dir, SERVER_USER)
        shutil.chown(standby.data_dir, SERVER_USER)
    standby.data_dir.chmod(0o700)
    subprocess.run([str(primary.installation.bin_dir / "pg_basebackup"), "-D", str(standby.data_dir), "-R",
                    "-X", "stream", "-c", "fast", "-h", str(primary.base_dir), "-p", str(primary.port), "-U", SUPERUSER],
                   check=True, capture_output=True, timeout=120, **as_server_user)
    standby.start()
    try:
        yield standby
    finally:
        standby.stop()
        shutil.rmtree(standby.base_dir, ignore_errors=True)
