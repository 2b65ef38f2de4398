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

from pgdiag.history.store.base import (
    Run,
    Store,
    StoreError,
    iter_statements,
    named_runner,
)
from pgdiag.history.store.sqlfiles import statement

APPLICATION_ID = 1885823079  # 'pgdg'
_TIMESTAMP = "%Y-%m-%dT%H:%M:%S.%fZ"
BUSY_WAIT_S = 30.0  # as configure_connection's busy_timeout
# What SQLite reports when it can neither find nor create the write-ahead log's files (see _configure).
_CANNOT_SHARE = frozenset({"SQLITE_READONLY_DIRECTORY", "SQLITE_READONLY_CANTINIT", "SQLITE_CANTOPEN"})


class SqliteStore(Store):
    """A store in an SQLite file."""

    backend = "sqlite"

    def __init__(self, path: Path, *, create: bool) -> None:
        """Open (or, with `create`, create) the store at `path`; nothing is written to a file that is not one.
        Without `create` (``history``, ``report``) a store on read-only storage is still read (`_configure`)."""
        self.path = path
        self.display = str(path)
        _check_path(path, create)
        self._conn = self._connect("rwc" if create else "rw")
        try:
            self._open(create)
        except BaseException:
            self._conn.close()
            raise

    def _connect(self, mode: str, *, immutable: bool = False) -> sqlite3.Connection:
        """A connection to the file in SQLite's URI `mode` (``ro``, ``rw``, ``rwc``)."""
        uri = f"file:{quote(str(self.path))}?mode={mode}{'&immutable=1' if immutable else ''}"
        try:
            return sqlite3.connect(uri, uri=True, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from None

    def _open(self, create: bool) -> None:
        """Identify the file, then create or migrate the schema as needed."""
        with self._errors("open"):
            application_id, has_meta, objects = self._configure(create)
        if application_id == APPLICATION_ID and has_meta:
            with self._errors("open"):
                version = self._check_format(self._runner())
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

    def _configure(self, create: bool) -> tuple[int, int, int]:
        """Apply the connection settings, then return what the file holds: its application id, whether it
        has store_meta, and how many schema objects it has.

        Reading commands (no `create`) must also work on read-only storage: a read-only mount, a file and
        directory the user may only read. They open the file in mode ``rw`` all the same: SQLite opens a
        file it may not write read-only by itself, and a connection that may write removes the write-ahead
        log's ``-wal`` and ``-shm`` files when it closes last, as pgdiag always did. (Mode ``ro`` was tried:
        it reads such stores no better and leaves those two files behind after every ``history``.)

        A write-ahead-logged file cannot be read without its ``-wal`` and ``-shm`` files. When they are
        absent (every connection closed cleanly) and the directory cannot be written, SQLite cannot create
        them and the first statement fails. The file alone then holds every committed snapshot, so it is
        reopened ``mode=ro&immutable=1``: read without those files and without locks. Only someone who may
        write the directory (its owner) can write the store meanwhile, and its writes reach the main file
        only at a checkpoint; a read overlapping one could see a mix of old and new pages. A reading command
        is short, so that risk is accepted rather than refusing to read a store on read-only storage. With
        a ``-wal`` file present, snapshots may not be in the main file yet: no fallback, the error stands.
        Writing commands get no fallback either: they need write access, and say so."""
        try:
            self._script("configure_connection")
            return self._runner()("store_state", {})[0]
        except sqlite3.OperationalError as exc:
            if create or exc.sqlite_errorname not in _CANNOT_SHARE or _wal_of(self.path).exists():
                raise
        self._conn.close()
        self._conn = self._connect("ro", immutable=True)
        self._script("configure_connection")
        return self._runner()("store_state", {})[0]

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
        """A stored ``…Z`` text as a UTC datetime; anything else (edited by hand) raises ValueError."""
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        if moment is None or moment.tzinfo is None:
            raise ValueError(f"not a UTC timestamp: {value!r}")
        return moment.astimezone(timezone.utc)

    def prune(self, older_than: datetime) -> int:
        """Delete old snapshots (see `Store.prune`), then give the freed pages back to the file system."""
        count = super().prune(older_than)
        with self._errors("reclaim space in"):
            self._script("reclaim_space")
        return count

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed by SQLite)."""
        self._conn.close()


def _wal_of(path: Path) -> Path:
    """The write-ahead log file SQLite keeps beside the store `path`."""
    return path.with_name(path.name + "-wal")


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
