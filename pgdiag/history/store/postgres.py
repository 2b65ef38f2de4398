"""The central store: schema ``pgdiag`` in a PostgreSQL database, for fleets and scheduled runs.

This is the one place pgdiag opens a **read-write** session, and only to the store, never to a
target (targets get `pgdiag.db.session.connect`, read-only). The store session is named
``pgdiag`` like every other and time-boxed: statement timeout 60 s, lock timeout 10 s (a
migration waits at most that long for a lock), idle-in-transaction timeout 60 s (a writer that
vanishes mid-transaction is ended by the server, which rolls the partial snapshot back) and the
usual connect timeout. The schema is created on first use, under an advisory lock, by versioned
migrations (``pgdiag/history/store/migrations/postgres``).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timezone
from typing import Any, Iterator

import psycopg
from psycopg import errors
from psycopg.abc import Buffer
from psycopg.types.datetime import TimestamptzLoader

from pgdiag.db.dsn import Target
from pgdiag.db.session import (
    APPLICATION_NAME,
    SessionLimits,
    connect_failure_reason,
    startup_options,
)
from pgdiag.history.store.base import Run, Store, StoreError, named_runner
from pgdiag.history.store.sqlfiles import statement

STORE_LIMITS = SessionLimits(statement_timeout_ms=60_000, lock_timeout_ms=10_000, connect_timeout_s=10)
IDLE_IN_TRANSACTION_MS = 60_000


def connect_store(target: Target, limits: SessionLimits = STORE_LIMITS) -> psycopg.Connection:
    """A read-write autocommit session to the store database (never used for a target)."""
    try:
        return psycopg.connect(
            target.conninfo, autocommit=True, application_name=APPLICATION_NAME,
            connect_timeout=limits.connect_timeout_s,
            options=startup_options(target, limits, read_only=False, extra_settings={
                "idle_in_transaction_session_timeout": str(IDLE_IN_TRANSACTION_MS)}),
        )
    except psycopg.Error as exc:
        raise StoreError(f"cannot connect to store {target.display}: "
                         f"{target.redact(connect_failure_reason(exc))}") from None


class PostgresStore(Store):
    """A store in schema ``pgdiag`` of a PostgreSQL database."""

    backend = "postgres"

    def __init__(self, target: Target, *, create: bool) -> None:
        """Connect and check (or, with `create`, create) the store; another schema named pgdiag is refused."""
        self._target = target
        self.display = target.display
        self._conn = connect_store(target)
        self._conn.adapters.register_loader("timestamptz", _StoredTimestampLoader)
        try:
            self._open(create)
        except BaseException:
            self._conn.close()
            raise

    def _open(self, create: bool) -> None:
        """Check what schema pgdiag holds; create or migrate it under an advisory lock when needed."""
        with self._read() as run:
            has_meta, objects = run("store_state", {})[0]
            version = self._check_format(run) if has_meta else 0
        if has_meta and self._up_to_date(version):
            return
        if not has_meta and objects:
            raise StoreError(f"schema pgdiag in {self.display} holds objects that are not a pgdiag store; "
                             "pgdiag will not write to it (use another database for the store)")
        if not has_meta and not create:
            raise StoreError(f"no pgdiag store in {self.display}: run `pgdiag scan --store` to create it")
        with self._write() as run:
            run("lock_migrations", {})
            has_meta, _ = run("store_state", {})[0]
            self._migrate(run, self._check_format(run) if has_meta else 0)

    def _runner(self) -> Run:
        def execute(sql: str, params: dict[str, Any]) -> list[tuple]:
            cursor = self._conn.execute(sql, params)
            return cursor.fetchall() if cursor.description is not None else []
        return named_runner(execute, self.backend)

    def _read(self) -> AbstractContextManager[Run]:
        return self._transaction("read")

    def _write(self) -> AbstractContextManager[Run]:
        return self._transaction("write")

    @contextmanager
    def _transaction(self, action: str) -> Iterator[Run]:
        """One transaction; psycopg errors become one-line store errors with the password redacted."""
        try:
            with self._conn.transaction():
                yield self._runner()
        except errors.InsufficientPrivilege as exc:
            raise StoreError(f"cannot {action} store {self.display}: {self._reason(exc)} (the store role needs "
                             "CREATE on the database, or a schema pgdiag it owns)") from None
        except errors.ReadOnlySqlTransaction:
            raise StoreError(f"cannot {action} store {self.display}: the server is read-only "
                             "(a standby?); point --store at the primary") from None
        except psycopg.Error as exc:
            raise StoreError(f"cannot {action} store {self.display}: {self._reason(exc)}") from None

    def _reason(self, exc: psycopg.Error) -> str:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return self._target.redact(first)

    def _insert_snapshot(self, params: dict[str, Any]) -> int:
        return int(self._conn.execute(statement(self.backend, "insert_snapshot"), params).fetchone()[0])

    def _insert_findings(self, rows: list[dict[str, Any]]) -> None:
        with self._conn.cursor() as cursor:
            cursor.executemany(statement(self.backend, "insert_finding"), rows)

    def _apply_script(self, script: str) -> None:
        self._conn.execute(script)

    def _timestamp_in(self, value: datetime) -> datetime:
        return value.astimezone(timezone.utc)

    def _timestamp_out(self, value: Any) -> datetime:
        """A stored timestamptz as a UTC datetime; the text of one Python cannot hold raises ValueError."""
        if not isinstance(value, datetime):
            raise ValueError(f"not a timestamp pgdiag wrote: {value!r}")
        return value.astimezone(timezone.utc)

    def close(self) -> None:
        """Close the session."""
        self._conn.close()


class _StoredTimestampLoader(TimestamptzLoader):
    """Reads a timestamptz as a datetime, or as its text when Python cannot hold it ('infinity', years past
    9999: never written by pgdiag, only by hand), so the store reports which snapshot is damaged instead of
    failing the whole read."""

    def load(self, data: Buffer) -> datetime | str:
        try:
            return super().load(data)
        except psycopg.DataError:
            return bytes(data).decode()
