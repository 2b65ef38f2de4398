"""Run every collector over one read-only session and gather the results into a `Snapshot`.

Each collector is one query for the whole database. A collector that fails is recorded with
its reason and the scan goes on; collectors that need ``pg_stat_statements`` are skipped, with
the exact fix, when the extension is missing.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

import pandas as pd
import psycopg
from psycopg import errors, sql

from pgdiag.collect.frames import to_frame
from pgdiag.collect.pgss import PGSS, pgss_problem, pgss_schema
from pgdiag.core.errors import PgdiagError
from pgdiag.core.redact import redact_setting, redact_statement
from pgdiag.core.snapshot import CollectorStatus, Snapshot
from pgdiag.core.sqltext import quote_ident
from pgdiag.db import queries
from pgdiag.db.error_text import describe_error
from pgdiag.db.results import fetch_columns
from pgdiag.db.side_session import RawResult, SideQueries
from pgdiag.sql.workload import HIDDEN_TEXT, workload

MIN_VERSION_NUM = 130000

CATALOG_COLLECTORS = ("server", "settings", "extensions", "locks", "tables", "indexes", "foreign_keys", "sequences",
                      "columns", "column_stats", "policies")
STATEMENT_COLLECTORS = ("statements", "statements_info")
# Server health (issue 19): sessions, locks, two-phase commit, replication, ages, checkpoints, collations.
HEALTH_COLLECTORS = ("activity", "lock_waits", "prepared_xacts", "replication_slots", "replication",
                     "database_ages", "table_ages", "unvalidated_constraints", "checkpoints", "database_stats",
                     "collation_versions", "btree_stats", "role_timeouts")
# Run order: what statement analysis needs (search_path, extensions, columns) and the statements
# themselves first, so their parse runs in a thread while the server answers the other catalog queries.
EARLY_COLLECTORS = ("server", "settings", "extensions", "columns")
COLLECTORS = EARLY_COLLECTORS + STATEMENT_COLLECTORS + tuple(c for c in CATALOG_COLLECTORS
                                                             if c not in EARLY_COLLECTORS) + HEALTH_COLLECTORS
SKIPPED_KINDS = {"utility": "utility", "unparsable": "rejected by the parser", "pgdiag": "pgdiag's own",
                 "too_deep": "nested too deeply to analyse"}


@dataclass(frozen=True)
class CollectOptions:
    """What to collect beyond the defaults."""

    all_databases: bool = False


class _Skip(Exception):
    """A collector cannot run here; the message says how to enable it."""


def collect(conn: psycopg.Connection, target_display: str, options: CollectOptions | None = None,
            on_progress: Callable[[str], None] | None = None, only: tuple[str, ...] = COLLECTORS,
            side: SideQueries | None = None) -> Snapshot:
    """Collect the frames named in `only` (default: all) from `conn`, a pgdiag session, into a Snapshot.

    `side` is a second session already working through the plain catalog collectors
    (`pgdiag.db.side_session`); `conn` collects the rest, then takes from the same queue until it is
    empty (all of it when the second session could not open).
    """
    options = options or CollectOptions()
    version_num = conn.info.server_version
    if version_num < MIN_VERSION_NUM:
        raise PgdiagError(f"PostgreSQL {version_num // 10000} is not supported: pgdiag needs PostgreSQL 13 or newer")
    snapshot = Snapshot(
        target={"dsn": target_display, "database": conn.info.dbname,
                "server_version": conn.info.parameter_status("server_version") or str(version_num),
                "server_version_num": version_num},
        collected_at=datetime.now(timezone.utc).replace(microsecond=0),
    )
    names = [n for n in COLLECTORS if n in only]
    shared = [n for n in side.names if n in names] if side is not None else []
    analysis: _Analysis | None = None
    for name in names:
        if name in shared:
            continue
        if on_progress:
            on_progress(name)
        status = _collect_one(conn, name, snapshot, options)
        snapshot.collectors.append(status)  # later collectors consult earlier ones' status
        if name == "statements" and status.status == "ok":
            analysis = _Analysis(snapshot, status)
    if side is not None:
        _take_from_queue(conn, side, shared, snapshot, options, on_progress)
        results = side.take()
        _take_from_queue(conn, side, shared, snapshot, options, on_progress)  # any it gave back when it broke
        for name in shared:
            if name in results:  # each result's rows are let go once its frame is made
                snapshot.collectors.append(_from_raw(name, results.pop(name), snapshot))
    if analysis is not None:
        analysis.finish()
    snapshot.collectors.sort(key=lambda status: names.index(status.name))
    return snapshot


def _take_from_queue(conn: psycopg.Connection, side: SideQueries, shared: list[str], snapshot: Snapshot,
                     options: CollectOptions, on_progress: Callable[[str], None] | None) -> None:
    """Run on `conn` the queued collectors the side session has not taken, until the queue is empty."""
    while (name := side.claim()) is not None:
        if name in shared:
            if on_progress:
                on_progress(name)
            snapshot.collectors.append(_collect_one(conn, name, snapshot, options))


def _from_raw(name: str, raw: RawResult, snapshot: Snapshot) -> CollectorStatus:
    """The status (and frame, kept in `snapshot`) of a collector whose query ran on the side session."""
    if raw.error is not None:
        return CollectorStatus(name, "error", seconds=round(raw.seconds, 4), message=describe_error(raw.error))
    frame = to_frame(raw.columns)
    snapshot.frames[name] = frame
    return CollectorStatus(name, "ok", rows=len(frame), seconds=round(raw.seconds, 4), message=_note(name, frame))


def _collect_one(conn: psycopg.Connection, name: str, snapshot: Snapshot, options: CollectOptions) -> CollectorStatus:
    """Run collector `name`, keep its frame in `snapshot` and return its status (a failure is a status too)."""
    started = time.perf_counter()
    try:
        frame = _run(conn, name, snapshot, options)
    except _Skip as skip:
        return CollectorStatus(name, "skipped", message=str(skip))
    except psycopg.Error as exc:
        return CollectorStatus(name, "error", seconds=_since(started), message=describe_error(exc))
    snapshot.frames[name] = frame
    note = None if name == "statements" else _note(name, frame)  # the statements note comes from _Analysis
    return CollectorStatus(name, "ok", rows=len(frame), seconds=_since(started), message=note)


class _Analysis(threading.Thread):
    """Parses the workload and notes on the statements collector what was hidden or left out, in a thread: it
    is CPU work while the catalog queries are waits. The thread works on a `Snapshot.view` of what it reads
    (the early collectors and the statements), never on the snapshot the collecting thread keeps adding to;
    `finish` hands what it derived (the parsed workload) to that snapshot, for the checks."""

    def __init__(self, snapshot: Snapshot, status: CollectorStatus) -> None:
        super().__init__(name="pgdiag-analysis", daemon=True)
        self.snapshot, self.status = snapshot, status
        self.view = snapshot.view(EARLY_COLLECTORS + ("statements",))
        self.note: str | None = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.note = _statements_note(self.view.frame("statements"), self.view)
        except BaseException as exc:  # handed to the collecting thread, which reports it like any error
            self.error = exc

    def finish(self) -> None:
        """Wait for the analysis; raise what it raised in the caller's thread, else keep its results."""
        self.join()
        if self.error is not None:
            raise self.error
        self.status.message = self.note
        self.snapshot.adopt(self.view)


def _run(conn: psycopg.Connection, name: str, snapshot: Snapshot, options: CollectOptions) -> pd.DataFrame:
    """Run collector `name`; return its frame."""
    params: dict[str, sql.Composable] = {}
    if name in STATEMENT_COLLECTORS:
        params["pgss_schema"] = sql.Identifier(_pgss_schema(snapshot))
        params["all_databases"] = sql.Literal(options.all_databases)
    text = queries.get(name, conn.info.server_version)
    query = sql.SQL(text).format(**params) if params else sql.SQL(text)
    try:
        frame = to_frame(fetch_columns(conn, query))
        _redact_frame(name, frame)
    except errors.ObjectNotInPrerequisiteState as exc:
        if name in STATEMENT_COLLECTORS:
            raise _Skip(f"{PGSS} is created but not loaded: add shared_preload_libraries = '{PGSS}' "
                        "to postgresql.conf and restart the server") from exc
        raise
    return frame


def _redact_frame(name: str, frame: pd.DataFrame) -> None:
    """Hide the passwords a collected frame can hold, before anything keeps or shows it: utility statements
    keep their literals in pg_stat_statements and pg_stat_activity (``ALTER ROLE … PASSWORD '…'``, cut
    short in the activity view), and settings such as ``primary_conninfo`` hold connection strings with their
    password."""
    if frame.empty:
        return
    if name in ("statements", "activity"):
        frame["query"] = frame["query"].map(redact_statement, na_action="ignore")
    elif name == "settings":
        for column in ("setting", "boot_val"):
            if column in frame:
                frame[column] = frame[column].map(redact_setting, na_action="ignore")


def _statements_note(frame: pd.DataFrame, snapshot: Snapshot) -> str | None:
    """How many statement texts are hidden from pgdiag's role, and how many were left out of analysis."""
    notes = []
    hidden = int((frame["query"] == HIDDEN_TEXT).sum()) if not frame.empty else 0
    if hidden:
        user = snapshot.frame("server")["current_user"].iloc[0] if snapshot.ok("server") else "<role>"
        notes.append(f"{hidden} statements of other roles have hidden texts: "
                     f"GRANT pg_read_all_stats TO {quote_ident(str(user))};")
    skipped = workload(snapshot).skipped
    if skipped:
        kinds = ", ".join(f"{count} {SKIPPED_KINDS[kind]}" for kind, count in sorted(skipped.items()))
        notes.append(f"{sum(skipped.values())} statements not analysed ({kinds})")
    return "; ".join(notes) or None


def _note(name: str, frame: pd.DataFrame) -> str | None:
    """What the report should say about an otherwise successful catalog collector."""
    locked = 0
    if name == "tables" and not frame.empty:
        locked = int(frame["size_skipped"].sum())
    elif name == "indexes" and not frame.empty:
        locked = int(frame["locked"].sum())
    if locked:
        return f"sizes of {locked} relations not read: held or requested in ACCESS EXCLUSIVE mode during the scan"
    return None


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 4)


def _pgss_schema(snapshot: Snapshot) -> str:
    """The schema pg_stat_statements was created in, or a skip with the exact fix."""
    problem = pgss_problem(snapshot)
    if problem is not None:
        raise _Skip(problem)
    return str(pgss_schema(snapshot))
