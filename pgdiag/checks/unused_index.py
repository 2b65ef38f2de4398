"""unused_index: indexes no statement has scanned since the statistics began."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar, Iterable

from pgdiag.checks._support.catalog import (
    count,
    drop_fix,
    judged_duplicates,
    judged_indexes,
    key_columns,
    pinned,
    stats_since,
)
from pgdiag.checks._support.index_needs import leads_with, serving_indexes, table_leads
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.lazy import pandas as pd
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified
from pgdiag.tenant.model import tenant_schema

DAY = timedelta(days=1)


class UnusedIndex(Check):
    """Index never scanned since the statistics began.

    **Problem**

    A valid index of at least ``min_bytes`` has ``idx_scan = 0``: no query used it since the
    cumulative statistics began. They begin at the database's statistics reset
    (``pg_stat_database.stats_reset``) or, when they were never reset, at least at the server's start
    (from PostgreSQL 15 on they survive a clean restart, so they may be older). The finding says
    which: "since <date>" or "at least since <date>". Indexes that enforce something are never
    reported: unique and primary-key indexes, indexes backing a constraint, and indexes a foreign
    key relies on. Nor are indexes that stay whatever their scans: the one ``duplicate_index`` keeps of
    exact duplicates, and, where no scanned index leads with a foreign key's columns (they serve the
    check each parent delete makes) or with a tenant table's tenant column, the narrowest one that does. Invalid indexes are left
    to ``invalid_index``; indexes of partitions are skipped (their scans are counted per partition
    and they cannot be dropped on their own).

    Severity is medium, low while the statistics are younger than ``young_stats_days``: a few
    days may not include the monthly report or the yearly job that needs the index.

    **Why it matters**

    Every ``INSERT``, every non-HOT ``UPDATE`` and every ``DELETE``'s later vacuum maintain the
    index for nothing; it takes disk, backup and replication volume and space in shared buffers,
    and an extra indexed column prevents HOT updates of that column.

    **Fix**

    Make sure no replica uses it: ``idx_scan`` counts the scans of the server it is read on, so
    an index read only by queries on a standby shows 0 on the primary. Then drop it without
    blocking writes::

        DROP INDEX CONCURRENTLY public."Alert_status_idx";

    Keep its definition (``pg_get_indexdef``) to recreate it with ``CREATE INDEX CONCURRENTLY``
    should a rare job need it after all.
    """

    id: ClassVar[str] = "unused_index"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "min_bytes": Threshold(32768, "smallest index size, in bytes, worth reporting"),
        "young_stats_days": Threshold(7, "statistics younger than this many days make the finding low severity"),
    }
    requires: ClassVar[tuple[str, ...]] = ("indexes", "tables", "server")
    uses_tenancy: ClassVar[bool] = True

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per droppable, valid index of at least ``min_bytes`` with no scan since the statistics began."""
        indexes, server = judged_indexes(snapshot), snapshot.frame("server")
        if indexes.empty or server.empty:
            return
        unused = (indexes["is_valid"].astype(bool) & indexes["idx_scan"].eq(0)
                  & indexes["index_bytes"].ge(settings.min_bytes)
                  & ~indexes["is_unique"].astype(bool) & ~pinned(indexes)
                  & ~indexes["index_oid"].isin(_needed(snapshot, indexes, settings)))
        since, exact = stats_since(server.iloc[0])
        age_days = (server["now"].iloc[0] - since) / DAY
        severity = "low" if age_days < settings.young_stats_days else "medium"
        for row in indexes[unused].to_dict("records"):
            yield _finding(row, since, exact, age_days, severity)


def _needed(snapshot: Snapshot, indexes: pd.DataFrame, settings: Any) -> set[int]:
    """Indexes that stay whatever their scans: the one kept of exact duplicates, and, where no scanned index
    leads with a foreign key's columns or a tenant table's tenant column, the narrowest unscanned one that does
    (duplicates being dropped aside). Without it each parent delete scans the child, and missing_fk_index or
    tenant_index_missing would ask for it back."""
    duplicates = judged_duplicates(snapshot)
    needed = set(duplicates["kept_oid"].astype(int))
    staying = serving_indexes(indexes[~indexes["index_oid"].isin(duplicates["index_oid"])])
    by_table: dict[tuple[str, str], list[tuple[int, list[Any], int, bool]]] = {}
    for schema, table, oid, columns, n_key, scans in zip(staying["schema"], staying["table"], staying["index_oid"],
                                                       staying["columns"], staying["n_key_columns"],
                                                       staying["idx_scan"].fillna(0)):
        by_table.setdefault((schema, table), []).append((int(n_key), list(columns)[: int(n_key)], int(oid),
                                                          scans > 0))
    for table, leads in table_leads(snapshot, tenant_schema(snapshot, settings.tenancy)).items():
        on_table = sorted(by_table.get(table, []), key=lambda index: (index[0], index[2]))
        for need in leads:
            serving = [index for index in on_table if leads_with(index[1], need)]
            if serving and not any(scanned for *_, scanned in serving):
                needed.add(serving[0][2])
    return needed


def _finding(row: dict[str, Any], since: pd.Timestamp, exact: bool, age_days: float, severity: str) -> Finding:
    """The finding for one unused index: drop it, after checking replicas and rare jobs."""
    index, table = qualified(row["schema"], row["index"]), qualified(row["schema"], row["table"])
    period = f"{'since' if exact else 'at least since'} {since:%Y-%m-%d}"
    young = (f"; the statistics are only {age_days:.1f} days old, so wait until they cover a full business "
             "cycle (month-end jobs included) before dropping it") if severity == "low" else ""
    return Finding(
        check=UnusedIndex.id,
        severity=severity,
        title=f"Index {index} on {table} has not been scanned {period}",
        object=ObjectRef(schema=row["schema"], table=row["table"], index=row["index"], columns=key_columns(row)),
        recommendation=(f"Drop {index} if no replica and no rarely-run job uses it (idx_scan counts this server's "
                        f"scans only){young}. Keep its definition to recreate it CONCURRENTLY if needed."),
        evidence={"index_bytes": count(row["index_bytes"]), "idx_scan": count(row["idx_scan"]),
                  "stats_since": since.isoformat(), "stats_since_exact": exact,
                  "stats_age_days": round(age_days, 1), "definition": row["definition"]},
        fix_sql=drop_fix(row),
    )
