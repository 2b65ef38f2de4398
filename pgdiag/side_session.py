"""Catalog queries started on a second session as early as possible, before the analysis stack is loaded.

Reading every relation's size (one ``stat()`` per file) is most of a large catalog's collection
time. Started right after the target is known, on its own pgdiag session (read-only, timeouts,
``application_name``), that query runs on the server while Python imports pandas and the checks
and while the main session runs the other collectors. This module imports neither, so the command
line can start it first. The collector turns the raw rows into frames (`pgdiag.collect`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from pgdiag import queries
from pgdiag.dsn import Target
from pgdiag.errors import ConnectError
from pgdiag.session import SessionLimits, connect

# Collectors whose query runs on the side session: plain catalog queries without parameters.
SIDE_COLLECTORS = ("tables",)


@dataclass(frozen=True)
class RawResult:
    """What one side query returned: (name, type oid) per column and the rows, or the error it raised."""

    columns: list[tuple[str, int]]
    rows: list[tuple[Any, ...]]
    seconds: float
    error: psycopg.Error | None = None


class SideQueries(threading.Thread):
    """Runs the `SIDE_COLLECTORS` queries on a session of their own, in a thread."""

    def __init__(self, target: Target, limits: SessionLimits | None = None,
                 names: tuple[str, ...] = SIDE_COLLECTORS) -> None:
        super().__init__(name="pgdiag-side-session", daemon=True)
        self.target, self.limits, self.names = target, limits, names
        self.results: dict[str, RawResult] = {}
        self.failure: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            with connect(self.target, self.limits) as conn:
                for name in self.names:
                    self.results[name] = _query(conn, name)
        except ConnectError:  # no second session (e.g. too many connections): the main session takes over
            return
        except BaseException as exc:  # handed to the collecting thread, which reports it like any error
            self.failure = exc

    def take(self) -> dict[str, RawResult]:
        """Wait for the queries; their results by collector name (none when the session could not open)."""
        self.join()
        if self.failure is not None:
            raise self.failure
        return self.results


def _query(conn: psycopg.Connection, name: str) -> RawResult:
    """Run collector `name`'s query; a database error is part of the result, as a collector failure."""
    started = time.perf_counter()
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql.SQL(queries.get(name, conn.info.server_version)))
            columns = [(d.name, d.type_code) for d in cursor.description or []]
            return RawResult(columns, cursor.fetchall(), time.perf_counter() - started)
    except psycopg.Error as exc:
        return RawResult([], [], time.perf_counter() - started, exc)
