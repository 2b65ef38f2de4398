"""The embedded store: one SQLite file (stdlib ``sqlite3``), write-ahead logged, one transaction per write.

Before anything is written the file is identified: a new or empty file becomes a store; a file
with pgdiag's application id is opened (and migrated); anything else (another program's
database, a non-SQLite file) is refused with a one-line error and left untouched. A pgdiag store
is checked before its first write (`_verify`): SQLite's ``quick_check``, and every stored snapshot
still inflates with a matching CRC; a damaged one is refused, not written.

Reading commands (``history``, ``report``) open the file read-only (`_open_for_reading`), so they
never write it, and work on read-only storage and on a full disk; one that then writes (``history
--keep``) reopens it read-write for that.
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import AbstractContextManager, closing, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote

from pgdiag.core.errors import PgdiagError
from pgdiag.history.store import codec
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
# What SQLite reports when the disk is full and it cannot size the shared-memory file or the log.
_NO_SPACE = frozenset({"SQLITE_FULL", "SQLITE_IOERR_SHMSIZE", "SQLITE_IOERR_WRITE", "SQLITE_IOERR_TRUNCATE",
                       "SQLITE_IOERR_SHMOPEN", "SQLITE_IOERR_FSTAT", "SQLITE_IOERR"})
SQLITE_MAGIC = b"SQLite format 3\x00"
CORRUPT = "corrupt store, not written"


class SqliteStore(Store):
    """A store in an SQLite file."""

    backend = "sqlite"

    def __init__(self, path: Path, *, create: bool) -> None:
        """Open (or, with `create`, create) the store at `path`; nothing is written to a file that is not one.
        Without `create` (``history``, ``report``) a store on read-only storage is still read (`_configure`)."""
        self.path = path
        self.display = str(path)
        _check_path(path, create)
        self._create = create
        self._verified = False  # `_verify` passed (or the store is new)
        self._read_only = not create
        self._immutable = False
        self._file_state = _file_state(path)
        self._conn = self._connect("rwc") if create else self._open_for_reading()
        try:
            self._open(create)
        except BaseException:
            self._conn.close()
            raise

    def _open_for_reading(self) -> sqlite3.Connection:
        """A read-only connection for ``history`` and ``report``, which never write the file.

        With no write-ahead log beside the file (every connection closed cleanly), the file alone holds every
        committed snapshot: it is opened ``immutable``, which needs neither the ``-wal`` and ``-shm`` files
        nor locks, so nothing is created beside it and a full disk or read-only storage does not matter. A
        writer that starts meanwhile writes to its own log; only its checkpoint changes the file, which each
        read checks for afterwards (`_read`). With a log present (a writer at work, or one that was killed),
        it is opened ``mode=ro``: SQLite reads the log too, without checkpointing it."""
        self._immutable = not _wal_of(self.path).exists()
        return self._connect("ro", immutable=self._immutable)

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
            if create:
                self._verify()
            if not self._up_to_date(version):
                self._initialise()
            return
        if application_id != 0 or objects:
            raise StoreError(f"{self.path} is not a pgdiag store (it is another program's SQLite database); "
                             "pgdiag will not write to it")
        if not create:
            raise StoreError(f"{self.path} is an empty file, not a pgdiag store yet: "
                             "run `pgdiag scan --store` to fill it")
        self._verified = True  # nothing in it to damage
        with self._errors("create"):
            self._prepare_new_file()
        self._initialise()

    def _configure(self, create: bool) -> tuple[int, int, int]:
        """Apply the connection settings, then return what the file holds: its application id, whether it
        has store_meta, and how many schema objects it has.

        A reading connection opened ``mode=ro`` (a log is beside the file) may still fail: SQLite cannot
        create or size the shared-memory file on read-only storage or a full disk. When the log is empty,
        the file alone holds every committed snapshot and it is reopened ``immutable``; with snapshots in
        the log, the error stands (reading the file alone would miss them). Writing commands get no
        fallback: they need write access, and say so."""
        try:
            self._script("configure_connection")
            return self._runner()("store_state", {})[0]
        except sqlite3.OperationalError as exc:
            unshared = exc.sqlite_errorname in _CANNOT_SHARE | _NO_SPACE
            if create or self._immutable or not unshared or _log_holds_data(self.path):
                raise
        self._conn.close()
        self._immutable = True
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

    @contextmanager
    def _read(self) -> Iterator[Run]:
        """A read transaction; on an immutable connection, checked afterwards against a writer's checkpoint
        changing the file under it (then the rows read may mix two states: the command is to be run again)."""
        with self._transaction("read", "BEGIN") as run:
            yield run
        if self._immutable and _file_state(self.path) != self._file_state:
            raise StoreError(f"store {self.path} was changed by another pgdiag while this one read it; "
                             "run the command again")

    def _write(self) -> AbstractContextManager[Run]:
        """A write transaction, on a read-write connection to a store `_verify` found sound."""
        if self._read_only:
            self._conn.close()
            self._conn = self._connect("rw")
            self._read_only = self._immutable = False
            try:
                with self._errors("write"):
                    self._script("configure_connection")
                    self._runner()("store_state", {})
            except StoreError:
                if os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK):
                    raise
                raise StoreError(f"cannot write store {self.path}: readonly database (pgdiag may not write the "
                                 "file or its directory)") from None
        self._verify()
        return self._transaction("write", "BEGIN IMMEDIATE")

    def _verify(self) -> None:
        """Refuse to write to a damaged store (once per connection, before the first write): SQLite's
        ``quick_check`` (the structure of every page), then every stored snapshot and plan inflates with a
        matching gzip CRC (random bytes inside a blob pass SQLite's checks) and every finding is JSON. Reading the
        blobs one at a time keeps memory flat; the cost is inflating each snapshot once (bench/store_check.py:
        about 0.6 s for 90 snapshots in a 45 MB store, a tenth of the scan that made them)."""
        if self._verified:
            return
        run = self._runner()
        try:
            problems = [row[0] for row in run("check_integrity", {}) if row[0] != "ok"]
            if not problems:
                problems = self._damaged_records()
        except sqlite3.DatabaseError as exc:
            problems = [str(exc)]
        if problems:
            raise StoreError(f"store {self.path}: {CORRUPT} ({'; '.join(problems[:3])}); restore it from a "
                             "backup or start a new store")
        self._verified = True

    def _damaged_blobs(self, query: str) -> list[str]:
        """The compressed documents `query` returns (what, bytes) that no longer inflate, described."""
        problems = []
        with closing(self._conn.execute(query)) as documents:
            for what, compressed in documents:
                try:
                    codec.check_compressed(bytes(compressed))
                except PgdiagError as exc:
                    problems.append(f"{what}: {exc}")
        return problems

    def _damaged_records(self) -> list[str]:
        """The snapshots, plans and findings that no longer decode, described. The cursors are closed before an
        error leaves: an open one would keep the connection, and the log files beside the store, alive."""
        problems = self._damaged_blobs(statement(self.backend, "select_all_frames"))
        try:
            problems += self._damaged_blobs(statement(self.backend, "select_all_plans"))
        except sqlite3.OperationalError as exc:  # a store from before plans (migration 2 comes after the check)
            if "no such table" not in str(exc):
                raise
        run = self._runner()
        try:
            damaged = run("select_damaged_findings", {})
        except sqlite3.OperationalError as exc:  # an SQLite built without JSON functions: nothing to check with
            if "no such function" not in str(exc):
                raise
            damaged = []
        problems += [f"a finding of snapshot {snapshot_id} is not JSON" for (snapshot_id,) in damaged]
        return problems

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
                verdict = CORRUPT if self._create or action == "write" else "is corrupt"
                raise StoreError(f"store {self.path}: {verdict} ({message}); restore it from a backup or "
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


def _log_holds_data(path: Path) -> bool:
    """Whether a write-ahead log beside `path` may hold snapshots the file itself does not."""
    try:
        return _wal_of(path).stat().st_size > 0
    except FileNotFoundError:
        return False


def _file_state(path: Path) -> tuple[int, ...] | None:
    """What changes when anything writes the file: its inode, size and modification and change times."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def _check_path(path: Path, create: bool) -> None:
    """One-line errors for paths that cannot hold a store, before SQLite sees them: a non-empty file that
    does not even start like an SQLite database (a 1-byte file included) is never handed to SQLite, which
    would take a file shorter than its header for an empty database and write over it."""
    if path.is_dir():
        raise StoreError(f"store {path} is a directory; give a file name, e.g. {path / 'history.sqlite3'}")
    if not create and not path.exists():
        raise StoreError(f"no store at {path}: run `pgdiag scan --store {path}` first")
    if path.is_file() and path.stat().st_size > 0:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_MAGIC))
        if header != SQLITE_MAGIC:
            raise StoreError(f"{path} is not a pgdiag store (not an SQLite database); pgdiag will not write to it")
    parent = path.parent
    if create and not parent.is_dir():
        problem = "is not a directory" if parent.exists() else "does not exist"
        raise StoreError(f"cannot create store {path}: {parent} {problem}")
