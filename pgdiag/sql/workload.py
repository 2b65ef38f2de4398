"""The workload: the connected database's top-level statements from pg_stat_statements, each parsed once.

Checks that reason about statements (index advice, N+1, pagination, tenant isolation) share
this one parse through `Snapshot.derived`. Entries with the same text (whitespace aside), database and
resolved search_path are one statement, whatever their queryids: psycopg binds 5 as int2 and 5e9 as int8,
so one text gets a queryid per parameter type (and one per role). Their calls, time and rows are summed
and every queryid is kept; statements pgdiag may not see the text of, utility statements and texts the
parser rejects are left out (the statements collector's status says how many).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Collection

from pgdiag.core.lazy import pandas as pd
from pgdiag.core.snapshot import Snapshot
from pgdiag.sql import Analysis, Statement, analyze

HIDDEN_TEXT = "<insufficient privilege>"
SUMMED = ("calls", "total_exec_time", "rows", "shared_blks_hit", "shared_blks_read", "temp_blks_written")
PARSE_CACHE = 20_000
_SMALL_TABLE = 16
_PATH_ENTRY = re.compile(r'\s*(?:"((?:[^"]|"")*)"|([^,]*))\s*(?:,|$)')


@dataclass(frozen=True, slots=True)
class StatementRef:
    """A statement's identity, its text for planning, and its weight in the workload."""

    queryid: str | None
    text: str
    n_params: int
    calls: int
    total_ms: float
    rows: int
    blocks: int
    queryids: tuple[str, ...] = ()
    """Every pg_stat_statements queryid counted in this statement, the one in `queryid` first."""

    @property
    def mean_ms(self) -> float:
        """Mean execution time per call."""
        return self.total_ms / self.calls if self.calls else 0.0

    @property
    def rows_per_call(self) -> float:
        """Mean rows returned (or affected) per call."""
        return self.rows / self.calls if self.calls else 0.0

    @property
    def blocks_per_call(self) -> float:
        """Mean shared buffers touched (hit or read) per call."""
        return self.blocks / self.calls if self.calls else 0.0


@dataclass(frozen=True, slots=True)
class WorkloadStatement:
    """One analysed statement with its figures."""

    ref: StatementRef
    statement: Statement


@dataclass(frozen=True)
class Workload:
    """The analysed statements, the total time of all top-level statements (for shares), and how many
    statements were left out by kind ("utility", "unparsable", "pgdiag")."""

    statements: tuple[WorkloadStatement, ...]
    total_ms: float
    skipped: dict[str, int] = field(default_factory=dict)

    def share(self, ref: StatementRef) -> float:
        """`ref`'s share of all top-level statement time, in percent."""
        return 100 * ref.total_ms / self.total_ms if self.total_ms > 0 else 0.0


def workload(snapshot: Snapshot) -> Workload:
    """The snapshot's workload, built once and shared by every check."""
    return snapshot.derived("workload", _build)


def search_path(snapshot: Snapshot, user: str | None = None) -> tuple[str, ...]:
    """The schemas unqualified table names resolve to, as the server would: the search_path setting pgdiag's
    session sees, ``$user`` standing for `user` (the role that ran the statement; pgdiag's own role when
    None), and only schemas that hold tables (the server skips schemas that do not exist).

    Per-role settings of other roles (``ALTER ROLE app SET search_path``) are not visible to pgdiag.
    """
    search_path = snapshot.setting("search_path")
    entries = path_entries(search_path) if search_path is not None else ["public"]
    if user is None and snapshot.ok("server"):
        user = str(snapshot.frame("server")["current_user"].iloc[0])
    existing = _schemas_with_tables(snapshot)  # empty when the columns are unknown: then nothing is skipped
    resolved = [user if entry == "$user" else entry for entry in entries]
    return tuple(schema for schema in resolved
                 if schema and schema != "$user" and (not existing or schema in existing)) or ("public",)


def path_entries(value: str) -> list[str]:
    """The entries of a search_path value: quoted names as written, unquoted ones folded to lower case.

    >>> path_entries('"$user", public, "a,b", "MySchema", Other')
    ['$user', 'public', 'a,b', 'MySchema', 'other']
    """
    return [match.group(1).replace('""', '"') if match.group(1) is not None else match.group(2).strip().lower()
            for match in _PATH_ENTRY.finditer(value) if match.group(1) is not None or match.group(2).strip()]


def _schemas_with_tables(snapshot: Snapshot) -> frozenset[str]:
    """The schemas the columns catalogue knows a table in (built once per snapshot)."""
    def build(s: Snapshot) -> frozenset[str]:
        columns = s.frame("columns")
        return frozenset(columns["schema"].astype(str)) if not columns.empty else frozenset()
    return snapshot.derived("schemas_with_tables", build)


def parsed(text: str, path: tuple[str, ...], columns: ColumnIndex | None = None) -> Analysis:
    """`analyze` with a cache, for texts parsed again and again (a statement read through its views, a report's
    statements)."""
    return _parsed(text, path, columns)


class ColumnIndex:
    """Column names per (schema, table) from the ``columns`` frame, for resolving unqualified columns.

    Hashable by identity so parses can be cached per snapshot.
    """

    def __init__(self, columns: pd.DataFrame) -> None:
        names: dict[tuple[str, str], set[str]] = {}
        if not columns.empty:
            for schema, table, column in zip(columns["schema"], columns["table"], columns["column"]):
                names.setdefault((str(schema), str(table)), set()).add(column)
        # A few names are found as fast in a tuple, at a fifth of a frozenset's memory (5,000 tables: 2.8 MB).
        self._by_table = {table: tuple(columns) if len(columns) <= _SMALL_TABLE else frozenset(columns)
                          for table, columns in names.items()}

    def __call__(self, schema: str, table: str) -> Collection[str] | None:
        return self._by_table.get((schema, table))


@lru_cache(maxsize=PARSE_CACHE)
def _parsed(text: str, path: tuple[str, ...], columns: ColumnIndex | None) -> Analysis:
    return analyze(text, path, columns)


def parsed_cache_clear() -> None:
    """Forget every parse (benchmarks measure cold analysis)."""
    _parsed.cache_clear()


def column_index(snapshot: Snapshot) -> ColumnIndex:
    """The snapshot's columns, indexed by table (built once)."""
    return snapshot.derived("column_index", lambda s: ColumnIndex(s.frame("columns")))


def statement_key(text: str) -> str:
    """The text two entries must share to be one statement: pg_stat_statements' normalised text with runs of
    whitespace made one space.

    >>> statement_key("SELECT a\\n  FROM t WHERE id = $1")
    'SELECT a FROM t WHERE id = $1'
    """
    return " ".join(text.split())


def group_entries(snapshot: Snapshot, entries: pd.DataFrame) -> pd.DataFrame:
    """`entries` (visible pg_stat_statements rows) grouped into statements: one row per database, statement text
    and search_path resolved for the role that ran it, with the first text and database, `queryids` (every
    queryid, the busiest first, as a tuple) and the `SUMMED` columns summed; index (dbid, key, path_key)."""
    # "$user" in the path is the role that ran the statement, so the same text may read different tables for
    # different roles: group by the resolved path too.
    paths: dict[str | None, str] = {}
    for user in entries["username"].unique():
        user = user if isinstance(user, str) else None
        paths[user] = "\x1f".join(search_path(snapshot, user))
    ordered = entries.sort_values("total_exec_time", ascending=False, kind="stable")
    keyed = ordered.assign(path_key=ordered["username"].map(lambda u: paths[u if isinstance(u, str) else None]),
                           key=ordered["query"].map(statement_key))
    since = {"stats_since": ("stats_since", "min")} if "stats_since" in keyed.columns else {}
    return keyed.groupby(["dbid", "key", "path_key"], dropna=False, sort=False).agg(
        query=("query", "first"), database=("database", "first"), queryids=("queryid", _distinct),
        **since, **{column: (column, "sum") for column in SUMMED})


def _distinct(queryids: pd.Series) -> tuple[str, ...]:
    """The distinct queryids of one statement's entries, in order."""
    return tuple(dict.fromkeys(str(q) for q in queryids if not pd.isna(q)))


def _build(snapshot: Snapshot) -> Workload:
    """Group the connected database's top-level entries by statement and parse each text."""
    frame = snapshot.frame("statements")
    if frame.empty:
        return Workload((), 0.0)
    top = frame[frame["toplevel"].astype(bool) & (frame["database"] == snapshot.target.get("database"))]
    total_ms = float(top["total_exec_time"].sum())
    visible = top[top["query"].notna() & (top["query"] != HIDDEN_TEXT)]
    if visible.empty:
        return Workload((), total_ms)
    grouped = group_entries(snapshot, visible)
    columns = column_index(snapshot)
    analysed = []
    skipped: dict[str, int] = {}
    ordered = grouped.sort_values("total_exec_time", ascending=False)
    for (_, _, path_key), text, queryids, calls, statement_ms, rows, hit, read in zip(
            ordered.index, *(ordered[c] for c in ("query", "queryids", "calls", "total_exec_time", "rows",
                                                  "shared_blks_hit", "shared_blks_read"))):
        # Parsed without the cache: its key holds this snapshot's column index, so no later caller would hit
        # these entries, and 8,000 of them were 2.4 MB of a scan's peak (bench/scale.py).
        result = analyze(text, tuple(path_key.split("\x1f")), columns)
        if result.statement is None:
            skipped[result.kind] = skipped.get(result.kind, 0) + 1
            continue
        ref = StatementRef(queryid=queryids[0] if queryids else None, text=text,
                           n_params=result.statement.n_params, calls=int(calls), total_ms=float(statement_ms),
                           rows=int(rows), blocks=int(hit + read), queryids=queryids)
        analysed.append(WorkloadStatement(ref, result.statement))
    return Workload(tuple(analysed), total_ms, skipped)
