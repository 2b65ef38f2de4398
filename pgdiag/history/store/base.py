"""The history store's interface and records, shared by the SQLite and PostgreSQL backends.

A store keeps, per target, every snapshot pgdiag took: the compressed frames, the findings
(one row each, queryable by fingerprint) and metadata. Backends differ only in how they
connect and in SQL dialect; everything else (encoding, the order of writes inside one
transaction, migrations) lives here so both behave the same.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import TracebackType
from typing import Any, Callable, Iterator, Sequence

from pgdiag import __version__
from pgdiag.collect.plans import StatementPlan
from pgdiag.core.errors import PgdiagError
from pgdiag.core.findings import SEVERITIES, Finding
from pgdiag.core.snapshot import Snapshot
from pgdiag.history.store import codec
from pgdiag.history.store.plans import plans_of, prune_plans, statement_plans, write_plans
from pgdiag.history.store.sqlfiles import migrations, statement

STORE_FORMAT = "pgdiag-store"
# Columns of the snapshot_summaries view, in the order every listing statement returns them:
# id, target_key, target_name, dsn, database, server_version, collected_at, stored_at,
# pgdiag_version, then the number of findings per severity, worst first.
_INFO_COLUMNS = 9 + len(SEVERITIES)
MAX_ID = 2**63 - 1
"""The largest snapshot id a store can hold (SQLite's INTEGER, PostgreSQL's bigint)."""

# A function that runs one named statement of the store's SQL with parameters and returns its rows.
Run = Callable[[str, dict[str, Any]], list[tuple]]


class StoreError(PgdiagError):
    """The store cannot be opened, read or written: a one-line error, exit code 2."""


@dataclass(frozen=True)
class SnapshotInfo:
    """One stored snapshot's metadata, without its frames: what ``pgdiag history`` lists."""

    id: int
    target_key: str
    target_name: str | None
    dsn: str
    database: str
    server_version: str
    collected_at: datetime
    stored_at: datetime
    pgdiag_version: str
    severity_counts: dict[str, int]

    @property
    def target(self) -> str:
        """How to name the target: its [[targets]] name, else its key."""
        return self.target_name or self.target_key


@dataclass(frozen=True)
class NewSnapshot:
    """What a scan hands the store: the snapshot, its findings, and which checks ran."""

    target_key: str
    target_name: str | None
    snapshot: Snapshot
    findings: Sequence[Finding]
    not_run: dict[str, str] = field(default_factory=dict)
    checks_ran: tuple[str, ...] = ()
    plans: Sequence[StatementPlan] = ()


@dataclass
class StoredSnapshot:
    """A snapshot read back from the store, with everything needed to re-render or compare it (`plans` by
    queryid; empty for snapshots stored without plans)."""

    info: SnapshotInfo
    snapshot: Snapshot
    findings: list[Finding]
    not_run: dict[str, str]
    checks_ran: tuple[str, ...]
    plans: dict[str, StatementPlan] = field(default_factory=dict)


class Store(ABC):
    """A history store. Each write is one transaction: a killed run leaves the last complete snapshot."""

    backend: str
    display: str

    # Backend specifics -----------------------------------------------------------------------

    @abstractmethod
    def _read(self) -> AbstractContextManager[Run]:
        """A consistent read: a context yielding a runner of named statements."""

    @abstractmethod
    def _write(self) -> AbstractContextManager[Run]:
        """One write transaction, committed when the block ends and rolled back on any error."""

    @abstractmethod
    def _insert_snapshot(self, params: dict[str, Any]) -> int:
        """Insert the snapshot row inside the open write transaction and return its id."""

    @abstractmethod
    def _insert_findings(self, rows: list[dict[str, Any]]) -> None:
        """Insert the findings rows inside the open write transaction."""

    @abstractmethod
    def _apply_script(self, script: str) -> None:
        """Run a migration script (several statements) inside the open transaction."""

    @abstractmethod
    def _timestamp_in(self, value: datetime) -> Any:
        """A UTC datetime as this backend stores it."""

    @abstractmethod
    def _timestamp_out(self, value: Any) -> datetime:
        """A stored timestamp as a UTC datetime."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # Schema ----------------------------------------------------------------------------------

    def _up_to_date(self, current: int) -> bool:
        """Whether schema version `current` needs no migration; a newer one than pgdiag knows is an error."""
        newest = max(migrations(self.backend))
        if current > newest:
            raise StoreError(f"store {self.display} has schema version {current}, newer than this pgdiag "
                             f"understands ({newest}): upgrade pgdiag")
        return current == newest

    def _migrate(self, run: Run, current: int) -> None:
        """Apply every migration newer than `current`, in order, inside the caller's transaction."""
        if self._up_to_date(current):
            return
        known = migrations(self.backend)
        for version in sorted(v for v in known if v > current):
            self._apply_script(known[version].read_text(encoding="utf-8"))
            run("insert_migration", {"version": version, "name": known[version].stem,
                                     "applied_at": self._timestamp_in(_now())})

    def _check_format(self, run: Run) -> int:
        """The schema version of an existing store, after checking it is one of pgdiag's."""
        rows = run("select_format", {})
        if not rows or rows[0][0] != STORE_FORMAT:
            raise StoreError(f"{self.display} is not a pgdiag store (it holds other data); "
                             "pgdiag will not write to it")
        return int(run("select_schema_version", {})[0][0] or 0)

    # Operations -------------------------------------------------------------------------------

    def save(self, record: NewSnapshot) -> int:
        """Store `record` in one transaction and return the new snapshot's id."""
        snapshot = record.snapshot
        params = {
            "target_key": record.target_key, "target_name": record.target_name,
            "dsn": str(snapshot.target.get("dsn") or ""), "database": str(snapshot.target.get("database") or ""),
            "server_version": str(snapshot.target.get("server_version") or ""),
            "server_version_num": snapshot.server_version_num,
            "collected_at": self._timestamp_in(snapshot.collected_at), "stored_at": self._timestamp_in(_now()),
            "pgdiag_version": __version__, "checks_ran": json.dumps(sorted(record.checks_ran)),
            "not_run": json.dumps(record.not_run, sort_keys=True), "frames": codec.encode_snapshot(snapshot),
        }
        rows = [{"position": position, "fingerprint": f.fingerprint, "check_id": f.check, "severity": f.severity,
                 "title": f.title, "doc": codec.encode_finding(f)} for position, f in enumerate(record.findings)]
        with self._write() as run:
            snapshot_id = self._insert_snapshot(params)
            self._insert_findings([{**row, "snapshot_id": snapshot_id} for row in rows])
            write_plans(run, snapshot_id, record.plans)
        return snapshot_id

    def snapshots(self, target: str | None = None) -> list[SnapshotInfo]:
        """Every stored snapshot (of `target`, a key or [[targets]] name, when given), oldest first."""
        with self._read() as run:
            rows = run("list_snapshots", {"target": target})
        return [self._info(row) for row in rows]

    def latest(self, target_key: str) -> StoredSnapshot | None:
        """The most recent snapshot of `target_key`, or None when the target has none yet."""
        with self._read() as run:
            rows = run("select_latest_id", {"target_key": target_key})
        return self.get(int(rows[0][0])) if rows else None

    def previous(self, info: SnapshotInfo) -> StoredSnapshot | None:
        """The snapshot of the same target taken just before `info`, the baseline it was compared with."""
        with self._read() as run:
            rows = run("select_previous_id", {"target_key": info.target_key,
                                              "collected_at": self._timestamp_in(info.collected_at),
                                              "id": info.id})
        return self.get(int(rows[0][0])) if rows else None

    def get(self, snapshot_id: int) -> StoredSnapshot:
        """Snapshot `snapshot_id` with its frames and findings; an unknown id or damaged data is a one-line
        error."""
        with self._read() as run:
            # An id beyond a 64-bit integer cannot be stored (and SQLite cannot even bind it): not asked for.
            rows = run("select_snapshot", {"id": snapshot_id}) if 0 < snapshot_id <= MAX_ID else []
            if not rows:
                raise StoreError(f"no snapshot {snapshot_id} in store {self.display} (see `pgdiag history`)")
            findings = run("select_findings", {"id": snapshot_id})
            plans = run("select_snapshot_plans", {"id": snapshot_id})
        row = rows[0]
        info = self._info(row[:_INFO_COLUMNS])
        frames, checks_ran, not_run = row[_INFO_COLUMNS:]
        try:
            snapshot = codec.decode_snapshot(bytes(frames))
            stored_findings = [codec.decode_finding(doc) for (doc,) in findings]
            stored_plans = plans_of(plans)
        except PgdiagError as exc:
            raise StoreError(f"snapshot {snapshot_id} in store {self.display} is unreadable: {exc}") from None
        ran = _json(checks_ran)
        if not (isinstance(ran, list) and all(isinstance(check, str) for check in ran)):
            raise self._damaged(snapshot_id, "checks_ran", checks_ran)
        skipped = _json(not_run)
        if not (isinstance(skipped, dict) and all(isinstance(reason, str) for reason in skipped.values())):
            raise self._damaged(snapshot_id, "not_run", not_run)
        return StoredSnapshot(info=info, snapshot=snapshot, findings=stored_findings, not_run=skipped,
                              checks_ran=tuple(ran), plans=stored_plans)

    def statement_plans(self, queryid: str) -> dict[int, tuple[str, float]]:
        """Statement `queryid`'s plan fingerprint and estimated cost per snapshot id that planned it."""
        with self._read() as run:
            return statement_plans(run, queryid)

    def prune(self, older_than: datetime) -> int:
        """Delete snapshots collected before `older_than`, keeping each target's latest; return how many went."""
        params = {"cutoff": self._timestamp_in(older_than)}
        with self._write() as run:
            count = int(run("count_prunable", params)[0][0])
            run("delete_prunable_findings", params)
            run("delete_prunable_snapshots", params)
            prune_plans(run)
        return count

    def _info(self, row: Sequence[Any]) -> SnapshotInfo:
        """A `SnapshotInfo` from the columns every listing statement returns, in order; a column that does
        not hold what pgdiag wrote there (edited by hand, damaged) is a one-line error naming the snapshot."""
        snapshot_id, key, name, dsn, database, server_version, collected_at, stored_at, version = row[:9]
        texts = {"target_key": key, "dsn": dsn, "database": database, "server_version": server_version,
                 "pgdiag_version": version}
        if name is not None:
            texts["target_name"] = name
        for column, value in texts.items():
            if not isinstance(value, str):
                raise self._damaged(snapshot_id, column, value)
        return SnapshotInfo(
            id=int(snapshot_id), target_key=key, target_name=name, dsn=dsn, database=database,
            server_version=server_version, collected_at=self._stored_time(snapshot_id, "collected_at", collected_at),
            stored_at=self._stored_time(snapshot_id, "stored_at", stored_at), pgdiag_version=version,
            severity_counts={severity: int(n or 0) for severity, n in zip(SEVERITIES, row[9:_INFO_COLUMNS])})

    def _stored_time(self, snapshot_id: int, column: str, value: Any) -> datetime:
        """A stored timestamp column as a UTC datetime; one that is not a timestamp is damage."""
        try:
            return self._timestamp_out(value)
        except (ValueError, TypeError, OverflowError):
            raise self._damaged(snapshot_id, column, value) from None

    def _damaged(self, snapshot_id: int, column: str, value: Any) -> StoreError:
        """The error for a metadata column that does not hold what pgdiag wrote, as frames and findings
        report theirs (the value is cut short: it is only a hint at what happened)."""
        shown = repr(value)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        return StoreError(f"snapshot {snapshot_id} in store {self.display} is unreadable: "
                          f"damaged {column} ({shown})")


def _json(text: Any) -> Any:
    """A stored JSON document, or None when it is not one (the caller reports the damage)."""
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        return None


def _now() -> datetime:
    return datetime.now(timezone.utc)


def named_runner(execute: Callable[[str, dict[str, Any]], list[tuple]], backend: str) -> Run:
    """A `Run` that looks statements up by name in this backend's SQL files."""
    def run(name: str, params: dict[str, Any]) -> list[tuple]:
        return execute(statement(backend, name), params)
    return run


def iter_statements(script: str) -> Iterator[str]:
    """The statements of a migration script, split on semicolons at line ends (comments dropped).

    >>> list(iter_statements("-- a table\\nCREATE TABLE t (a int);\\nINSERT INTO t VALUES (1);\\n"))
    ['CREATE TABLE t (a int)', 'INSERT INTO t VALUES (1)']
    """
    current: list[str] = []
    for line in script.splitlines():
        if line.strip().startswith("--"):
            continue
        current.append(line)
        if line.rstrip().endswith(";"):
            text = "\n".join(current).strip().rstrip(";").strip()
            if text:
                yield text
            current = []
    rest = "\n".join(current).strip()
    if rest:
        yield rest
