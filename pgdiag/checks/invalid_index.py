"""invalid_index: indexes PostgreSQL marked invalid, usually left by a failed concurrent build."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Iterable

from pgdiag.checks._support.catalog import count, key_columns, unlocked
from pgdiag.checks.base import Check
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import drop_index_sql, qualified

_CREATE = re.compile(r"^CREATE (UNIQUE )?INDEX ")
_REINDEX_LEFTOVER = re.compile(r"_cc(new|old)\d*$")


class InvalidIndex(Check):
    """Invalid index, usually left behind by a failed ``CREATE INDEX CONCURRENTLY``.

    **Problem**

    An index has ``pg_index.indisvalid = false``. A ``CREATE INDEX CONCURRENTLY`` that failed (a
    duplicate key in a unique index, a deadlock, a cancelled or timed-out statement) leaves its
    index behind in this state, and so does a failed ``REINDEX CONCURRENTLY`` (an index named
    ``…_ccnew``, the new copy, or ``…_ccold``, the old one it could not drop). An index of a
    partitioned table is invalid while some partition has no index attached to it (``CREATE INDEX
    … ON ONLY``). Severity is high.

    **Why it matters**

    The planner never uses an invalid index, so the queries it was made for still run without
    it; yet once the build got far enough (``indisready``) every write still maintains it, and an
    invalid unique index may still reject rows. It is easy to miss: migrations report success in
    tools that ignore the error, and ``\\d`` shows it with a small ``INVALID``.

    **Fix**

    An index being built concurrently is invalid until the build ends: pgdiag skips indexes that
    ``pg_stat_progress_create_index`` shows in progress at scan time. Otherwise drop it and build it
    again, both without blocking writes::

        DROP INDEX CONCURRENTLY public."Client_email_key";
        CREATE UNIQUE INDEX CONCURRENTLY "Client_email_key" ON public."Client" USING btree (email);

    pgdiag prefers this to ``REINDEX INDEX CONCURRENTLY``, which also works: the drop ends the
    write overhead at once, the definition is there to review (a unique index fails again until
    the duplicate keys are removed), and a failed ``REINDEX CONCURRENTLY`` leaves one more invalid
    ``_ccnew`` index behind while a failed ``CREATE`` leaves only the one it made. A ``_ccnew`` or
    ``_ccold`` leftover is only dropped: the original index still exists (then run ``REINDEX
    INDEX CONCURRENTLY`` on it again) or was already rebuilt. For a partitioned table's index,
    create the missing partitions' indexes (``CREATE INDEX CONCURRENTLY`` on each partition) and
    ``ALTER INDEX … ATTACH PARTITION`` them; it turns valid when the last one is attached.
    """

    id: ClassVar[str] = "invalid_index"
    requires: ClassVar[tuple[str, ...]] = ("indexes", "tables")

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per invalid index, with the statements that replace it by a valid one."""
        indexes, tables = unlocked(snapshot.frame("indexes")), snapshot.frame("tables")
        if indexes.empty:
            return
        partitioned = set(tables.loc[tables["kind"].eq("p"), "table_oid"]) if not tables.empty else set()
        failed = ~indexes["is_valid"].astype(bool) & ~indexes["building"].astype(bool)
        for row in indexes[failed].to_dict("records"):
            yield _finding(row, row["table_oid"] in partitioned)


def _finding(row: dict[str, Any], partitioned: bool) -> Finding:
    """The finding for one invalid index, with the fix that suits how it became invalid."""
    index, table = qualified(row["schema"], row["index"]), qualified(row["schema"], row["table"])
    fix_sql, recommendation = _fix(row, index, partitioned)
    return Finding(
        check=InvalidIndex.id,
        severity="high",
        title=f"Index {index} on {table} is invalid",
        object=ObjectRef(schema=row["schema"], table=row["table"], index=row["index"], columns=key_columns(row)),
        recommendation=recommendation,
        evidence={"definition": row["definition"], "is_ready": bool(row["is_ready"]),
                  "is_unique": bool(row["is_unique"]), "index_bytes": count(row["index_bytes"])},
        fix_sql=fix_sql,
    )


def _fix(row: dict[str, Any], index: str, partitioned: bool) -> tuple[str | None, str]:
    """The fix SQL (None when it needs per-partition work) and the recommendation for one invalid index."""
    first = "No build was running on it at scan time, so it is a leftover: "
    if partitioned:
        return None, (first + f"create the index on every partition that lacks it (CONCURRENTLY) and attach each "
                      f"with ALTER INDEX {index} ATTACH PARTITION …; {index} turns valid with the last one. "
                      "Or drop it (DROP INDEX, not concurrently, on a partitioned table).")
    drop = drop_index_sql(row["schema"], row["index"])
    if _REINDEX_LEFTOVER.search(row["index"]):
        return drop, (first + f"drop {index}: it is left from a failed REINDEX CONCURRENTLY. For a _ccnew copy the "
                      "original index still exists: run REINDEX INDEX CONCURRENTLY on it again; a _ccold one "
                      "was already rebuilt.")
    create = _CREATE.sub(lambda m: f"CREATE {m.group(1) or ''}INDEX CONCURRENTLY ", row["definition"], count=1)
    unique = " It is unique: remove the duplicate keys first, or the build fails again." if row["is_unique"] else ""
    return f"{drop}\n{create};", (first + f"drop {index} and build it again, both CONCURRENTLY (REINDEX INDEX "
                                  "CONCURRENTLY also works, but leaves a second invalid _ccnew index behind if it "
                                  f"fails).{unique}")
