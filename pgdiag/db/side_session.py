"""Catalog queries started on a second session as early as possible, before the analysis stack is loaded.

Reading every relation's size (one ``stat()`` per file) and every index's definition is most of a
large catalog's collection time. Started right after the target is known, on its own pgdiag
session (read-only, timeouts, ``application_name``), those queries run on the server while Python
imports pandas and the checks. The plain catalog queries (no parameters, no dependence on another
collector) wait in one shared queue, most expensive first: this session takes them one by one, and
the main session, once it has collected what the statement analysis needs, takes from the same queue,
so two backends share the work and neither idles while the other has a backlog. This module imports
neither pandas nor the checks, so the command line can start it first. The collector turns the
columns read into frames (`pgdiag.collect`).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from pgdiag.core.errors import ConnectError
from pgdiag.db import queries
from pgdiag.db.dsn import Target
from pgdiag.db.results import Columns, fetch_columns
from pgdiag.db.session import SessionLimits, connect

# Plain catalog collectors, in the order they are taken: the slowest on a large catalog first. The server-health
# ones (issue 19) follow; ``activity`` stays on the main session, which hides secrets in its statement texts.
SHARED_COLLECTORS = ("tables", "indexes", "column_stats", "foreign_keys", "sequences", "policies", "locks",
                     "btree_stats", "table_ages", "unvalidated_constraints", "lock_waits", "database_ages",
                     "collation_versions", "prepared_xacts", "replication_slots", "replication", "checkpoints",
                     "database_stats", "role_timeouts")


@dataclass(frozen=True)
class RawResult:
    """What one side query returned, read by column, or the error it raised."""

    columns: Columns
    seconds: float
    error: psycopg.Error | None = None


class SideQueries(threading.Thread):
    """Runs queued catalog queries on a session of its own, in a thread, sharing the queue with the caller."""

    def __init__(self, target: Target, limits: SessionLimits | None = None,
                 names: tuple[str, ...] = SHARED_COLLECTORS) -> None:
        super().__init__(name="pgdiag-side-session", daemon=True)
        self.target, self.limits, self.names = target, limits, names
        self.results: dict[str, RawResult] = {}
        self.ran: list[str] = []
        """The collectors this session ran, in order (their results are handed over by `take`)."""
        self.failure: BaseException | None = None
        self._pending = deque(names)
        self._lock = threading.Lock()
        self.start()

    def claim(self) -> str | None:
        """The next queued collector, now the caller's to run; None when the queue is empty."""
        with self._lock:
            return self._pending.popleft() if self._pending else None

    def run(self) -> None:
        try:
            with connect(self.target, self.limits) as conn:
                while (name := self.claim()) is not None:
                    result = _query(conn, name)
                    if result.error is not None and conn.broken:  # the session died: the rest is the caller's
                        self._give_back(name)
                        return
                    self.results[name] = result
                    self.ran.append(name)
        except ConnectError:  # no second session (e.g. too many connections): the main session takes over
            return
        except BaseException as exc:  # handed to the collecting thread, which reports it like any error
            self.failure = exc

    def _give_back(self, name: str) -> None:
        """Put `name` back at the head of the queue, for the caller to run."""
        with self._lock:
            self._pending.appendleft(name)

    def take(self) -> dict[str, RawResult]:
        """Wait for this session's queries; their results by collector name. Collectors it gave back (its
        session broke) are in the queue again: claim them after this. The results are handed over, not kept:
        on a large catalog their rows weigh as much as the frames made from them."""
        self.join()
        if self.failure is not None:
            raise self.failure
        results, self.results = self.results, {}
        return results


def _query(conn: psycopg.Connection, name: str) -> RawResult:
    """Run collector `name`'s query; a database error is part of the result, as a collector failure."""
    started = time.perf_counter()
    try:
        columns = fetch_columns(conn, sql.SQL(queries.get(name, conn.info.server_version)))
        return RawResult(columns, time.perf_counter() - started)
    except psycopg.Error as exc:
        return RawResult(Columns([], []), time.perf_counter() - started, exc)
