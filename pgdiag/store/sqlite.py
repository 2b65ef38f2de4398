"""The embedded store: one SQLite file (stdlib ``sqlite3``), write-ahead logged, one transaction per write.

Before anything is written the file is identified: a new or empty file becomes a store; a file
with pgdiag's application id is opened (and migrated); anything else (another program's
database, a corrupt or non-SQLite file) is refused with a one-line error and left untouched.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote

from pgdiag.store.base import Run, Store, StoreError, iter_statements, named_runner
from pgdiag.store.sqlfiles import statement

APPLICATION_ID = 1885823079  # 'pgdg'
_TIMESTAMP = "%Y-%m-%dT%H:%M:%S.%fZ"
BUSY_WAIT_S = 30.0  # as configure_connection's busy_timeout


class SqliteStore(Store):
    """A store in an SQLite file."""

    backend = "sqlite"

    def __init__(self, path: Path, *, create: bool) -> None:
        """Open (or, with `create`, create) the store at `path`; nothing is written to a file that is not one."""
        self.path = path
        self.display = str(path)
        _check_path(path, create)
        mode = "rwc" if create else "rw"
        try:
            self._conn = sqlite3.connect(f"file:{quote(str(path))}?mode={mode}", uri=True, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open store {path}: {exc}") from None
        try:
            self._open(create)
        except BaseException:
            self._conn.close()
            raise

    def _open(self, create: bool) -> None:
        """Identify the file, then create or migrate the schema as needed."""
        run = self._runner()
        with self._errors("open"):
            self._script("configure_connection")
            application_id, has_meta, objects = run("store_state", {})[0]
        if application_id == APPLICATION_ID and has_meta:
            with self._errors("open"):
                version = self._check_format(run)
            if not self._up_to_date(version):
                self._initialise()
            return
        if application_id != 0 or objects:
            raise StoreError(f"{self.path} is not a pgdiag store (it is another program's SQLite database); "
                             "pgdiag will not write to it")
        if not create:
            raise StoreError(f"{self.path} is an empty file, not a pgdiag store yet: "
                             "run `pgdiag scan --store` to fill it")
        with self._errors("create"):
            self._prepare_new_file()
        self._initialise()

    def _prepare_new_file(self) -> None:
        """Apply the settings a new file needs. Switching it to write-ahead logging takes a lock SQLite
        does not wait for (busy_timeout does not apply): when another pgdiag prepares the same new file
        at that moment (nightly jobs started together), try again until it is done."""
        deadline = time.monotonic() + BUSY_WAIT_S
        while True:
            try:
                self._script("prepare_new_file")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _initialise(self) -> None:
        """Create or migrate the schema in one IMMEDIATE transaction (a second process waits, then finds it done)."""
        with self._write() as run:
            application_id, has_meta, objects = run("store_state", {})[0]
            if has_meta:
                current = self._check_format(run)
            elif application_id == 0 and not objects:
                run("set_application_id", {})
                current = 0
            else:
                raise StoreError(f"{self.path} is not a pgdiag store; pgdiag will not write to it")
            self._migrate(run, current)

    # Store primitives --------------------------------------------------------------------------

    def _runner(self) -> Run:
        def execute(sql: str, params: dict[str, Any]) -> list[tuple]:
            return self._conn.execute(sql, params).fetchall()
        return named_runner(execute, self.backend)

    def _script(self, name: str) -> None:
        """Run each statement of the settings script `name` (outside any transaction)."""
        for sql in iter_statements(statement(self.backend, name)):
            self._conn.execute(sql).fetchall()

    def _read(self) -> AbstractContextManager[Run]:
        return self._transaction("read", "BEGIN")

    def _write(self) -> AbstractContextManager[Run]:
        return self._transaction("write", "BEGIN IMMEDIATE")

    @contextmanager
    def _transaction(self, action: str, begin: str) -> Iterator[Run]:
        """A transaction (IMMEDIATE for writes: take the write lock up front, waiting for another writer)."""
        with self._errors(action):
            self._conn.execute(begin)
            try:
                yield self._runner()
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn SQLite errors into one-line store errors that say what is wrong with the file."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            message = str(exc)
            if "file is not a database" in message:
                raise StoreError(f"{self.path} is not a pgdiag store (not an SQLite database); "
                                 "pgdiag will not write to it") from None
            if "malformed" in message or "corrupt" in message:
                raise StoreError(f"store {self.path} is corrupt ({message}); restore it from a backup or "
                                 "start a new store") from None
            raise StoreError(f"cannot {action} store {self.path}: {message}") from None

    def _insert_snapshot(self, params: dict[str, Any]) -> int:
        return int(self._conn.execute(statement(self.backend, "insert_snapshot"), params).lastrowid)

    def _insert_findings(self, rows: list[dict[str, Any]]) -> None:
        self._conn.executemany(statement(self.backend, "insert_finding"), rows)

    def _apply_script(self, script: str) -> None:
        for sql in iter_statements(script):
            self._conn.execute(sql)

    def _timestamp_in(self, value: datetime) -> str:
        return value.astimezone(timezone.utc).strftime(_TIMESTAMP)

    def _timestamp_out(self, value: Any) -> datetime:
        return datetime.fromisoformat(str(value)).astimezone(timezone.utc)

    def prune(self, older_than: datetime) -> int:
        """Delete old snapshots (see `Store.prune`), then give the freed pages back to the file system."""
        count = super().prune(older_than)
        with self._errors("reclaim space in"):
            self._script("reclaim_space")
        return count

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed by SQLite)."""
        self._conn.close()


def _check_path(path: Path, create: bool) -> None:
    """One-line errors for paths that cannot hold a store, before SQLite sees them."""
    if path.is_dir():
        raise StoreError(f"store {path} is a directory; give a file name, e.g. {path / 'history.sqlite3'}")
    if not create and not path.exists():
        raise StoreError(f"no store at {path}: run `pgdiag scan --store {path}` first")
    parent = path.parent
    if create and not parent.is_dir():
        problem = "is not a directory" if parent.exists() else "does not exist"
        raise StoreError(f"cannot create store {path}: {parent} {problem}")
