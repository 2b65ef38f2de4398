"""collation_mismatch: databases whose default collation's version changed under them (PostgreSQL 15+)."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pgdiag.core.lazy import pandas as pd

from pgdiag.checks._support.sessions import keyed_fingerprint
from pgdiag.checks.base import Check
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified, quote_ident

DEFAULT_COLLATION_OID = 100
"""pg_collation's "default": the database's own collation, the one whose version changed."""


class CollationMismatch(Check):
    """Database whose collation library changed version since the database was created.

    **Problem**

    PostgreSQL 15+ records the version of a database's default collation when the database is
    created (``pg_database.datcollversion``). It differs from the version the operating system's
    collation library (glibc, ICU, or PostgreSQL's builtin provider) reports now
    (``pg_database_collation_actual_version``): the library was upgraded, or the data directory
    moved to another system. For the scanned database, the finding lists the indexes that sort by
    the database's default collation: those to rebuild. PostgreSQL 13 and 14 record no version per
    database, so the check has nothing to compare there.

    Severity is high.

    **Why it matters**

    A new collation version may sort some strings differently. B-tree indexes built with the old
    order then hold keys in the wrong place: lookups miss rows that exist, unique indexes let
    duplicates in, and range partitions route rows wrongly. The corruption is silent until a
    query returns wrong results.

    **Fix**

    Rebuild every index on text columns that uses the default collation, then record the new
    version (in each database concerned)::

        REINDEX INDEX CONCURRENTLY public.users_email_key;
        ALTER DATABASE app REFRESH COLLATION VERSION;

    ``REINDEX DATABASE CONCURRENTLY app`` rebuilds every index when the list is long. Check unique
    indexes for duplicates the old order may have let in first: the rebuild fails on them.
    """

    id: ClassVar[str] = "collation_mismatch"
    requires: ClassVar[tuple[str, ...]] = ("collation_versions",)

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per database whose recorded and actual collation versions differ."""
        versions = snapshot.frame("collation_versions")
        if versions.empty:
            return
        changed = versions[versions["recorded_version"].notna() & versions["actual_version"].notna()
                           & (versions["recorded_version"] != versions["actual_version"])]
        current = snapshot.target.get("database")
        indexes = snapshot.frame("indexes") if snapshot.ok("indexes") else pd.DataFrame()
        for row in changed.to_dict("records"):
            affected = _default_collation_indexes(indexes) if row["database"] == current else None
            yield _finding(row, affected)


def _default_collation_indexes(indexes: pd.DataFrame) -> list[tuple[str, str]]:
    """(schema, index) of the valid indexes with a key sorted by the database's default collation."""
    if indexes.empty:
        return []
    uses_default = indexes["collations"].map(lambda oids: DEFAULT_COLLATION_OID in list(oids or []))
    chosen = indexes[uses_default & indexes["is_valid"].astype(bool)].sort_values(["schema", "index"])
    return list(zip(chosen["schema"].astype(str), chosen["index"].astype(str)))


def _finding(row: dict[str, Any], affected: list[tuple[str, str]] | None) -> Finding:
    """The finding for one database: the indexes to rebuild (when it is the scanned one) and the refresh."""
    database = str(row["database"])
    refresh = f"ALTER DATABASE {quote_ident(database)} REFRESH COLLATION VERSION;"
    if affected is None:
        fix_sql = None
        where = (f"Connect to database {database}, rebuild its indexes on text columns (REINDEX DATABASE CONCURRENTLY "
                 f"{quote_ident(database)}), then {refresh}")
    else:
        reindex = [f"REINDEX INDEX CONCURRENTLY {qualified(schema, index)};" for schema, index in affected]
        fix_sql = "\n".join([*reindex, refresh])
        where = (f"Rebuild the {len(affected)} index(es) that sort by the default collation, then record the new "
                 "version. Look for duplicates in unique indexes first: the rebuild fails on them.")
    return Finding(
        check=CollationMismatch.id,
        severity="high",
        title=(f"Database {database} was created with {row['provider']} collation version {row['recorded_version']}, "
               f"the library now provides {row['actual_version']}"),
        object=ObjectRef(),
        recommendation=f"Text indexes may be sorted in the old order and miss rows. {where}",
        evidence={"database": database, "provider": row["provider"], "locale": row["locale"],
                  "recorded_version": row["recorded_version"], "actual_version": row["actual_version"],
                  "indexes": None if affected is None else [f"{s}.{i}" for s, i in affected]},
        fix_sql=fix_sql,
        fingerprint=keyed_fingerprint(CollationMismatch.id, database),
    )
