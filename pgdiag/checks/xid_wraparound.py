"""xid_wraparound: databases whose oldest transaction or multixact ID is getting close to wraparound."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pgdiag.core.lazy import pandas as pd

from pgdiag.checks._support.horizon import WRAPAROUND_LIMIT
from pgdiag.checks._support.sessions import keyed_fingerprint, setting
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified

FIX_TABLES = 10


class XidWraparound(Check):
    """Database close to transaction ID (or multixact ID) wraparound.

    **Problem**

    A database's oldest unfrozen transaction ID (``age(datfrozenxid)``) or multixact ID
    (``mxid_age(datminmxid)``) is at least ``min_age`` old. Both are counted against the
    2^31 IDs a database may age by: a few million short of that the server stops handing out new
    IDs (no more writes) until the database is vacuumed. The finding says how many IDs are left,
    whether the age is past ``autovacuum_freeze_max_age`` (``autovacuum_multixact_freeze_max_age``),
    where anti-wraparound autovacuum should already be at work, and, for the scanned database, the
    tables with the oldest IDs: the ones to freeze first.

    Severity: critical from ``critical_age``, high from ``high_age``, medium below.

    **Why it matters**

    Wraparound is an outage: once the limit is near, every write fails with "database is not
    accepting commands to avoid wraparound data loss" until a VACUUM of the whole database has
    finished, which on a large database takes hours. Ages grow when autovacuum cannot freeze:
    something holds the xmin horizon back (see ``vacuum_blocked``), autovacuum is off, throttled
    or cancelled over and over on a big table.

    **Fix**

    Freeze the oldest tables first, in the database concerned, outside peak hours::

        VACUUM (FREEZE, VERBOSE) public.big_table;

    or all tables past an age with ``vacuumdb --freeze --min-xid-age=500000000 --jobs=4 dbname``.
    Remove what holds the horizon back first, or vacuum cannot freeze anything newer than it.
    """

    id: ClassVar[str] = "xid_wraparound"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "min_age": Threshold(500_000_000, "transaction or multixact IDs of age before a database is reported "
                                          "(about a quarter of the 2^31 limit)"),
        "high_age": Threshold(1_000_000_000, "age from which a finding is high"),
        "critical_age": Threshold(1_500_000_000, "age from which a finding is critical"),
    }
    requires: ClassVar[tuple[str, ...]] = ("database_ages", "settings")

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per database at or past ``min_age``, oldest first."""
        ages = snapshot.frame("database_ages")
        if ages.empty:
            return
        worst = ages[["xid_age", "mxid_age"]].max(axis=1)
        fired = ages.assign(worst=worst)[worst >= settings.min_age].sort_values("worst", ascending=False)
        current = snapshot.target.get("database")
        tables = snapshot.frame("table_ages") if snapshot.ok("table_ages") else pd.DataFrame()
        limits = {"xid": _int_setting(snapshot, "autovacuum_freeze_max_age"),
                  "mxid": _int_setting(snapshot, "autovacuum_multixact_freeze_max_age")}
        for row in fired.to_dict("records"):
            oldest = _oldest_tables(tables, settings.min_age) if row["database"] == current else []
            yield _finding(row, oldest, limits, settings)


def _int_setting(snapshot: Snapshot, name: str) -> int | None:
    """An integer server setting, None when unknown."""
    value = setting(snapshot, name)
    return int(value) if value is not None else None


def _oldest_tables(tables: pd.DataFrame, min_age: int) -> list[dict[str, Any]]:
    """The scanned database's tables at or past `min_age`, oldest first, at most FIX_TABLES."""
    if tables.empty:
        return []
    worst = tables[["xid_age", "mxid_age"]].max(axis=1)
    old = tables.assign(worst=worst)[worst >= min_age].sort_values(["worst", "relpages"], ascending=False)
    return [{"schema": r["schema"], "table": r["table"], "xid_age": int(r["xid_age"]), "mxid_age": int(r["mxid_age"]),
             "relpages": int(r["relpages"])} for r in old.head(FIX_TABLES).to_dict("records")]


def _severity(age: int, settings: Any) -> str:
    """critical from ``critical_age``, high from ``high_age``, else medium."""
    if age >= settings.critical_age:
        return "critical"
    return "high" if age >= settings.high_age else "medium"


def _finding(row: dict[str, Any], oldest: list[dict[str, Any]], limits: dict[str, int | None],
             settings: Any) -> Finding:
    """The finding for one database, with the tables to freeze first when it is the scanned one."""
    xid_age, mxid_age = int(row["xid_age"]), int(row["mxid_age"])
    kind = "transaction" if xid_age >= mxid_age else "multixact"
    age = max(xid_age, mxid_age)
    freeze_max = limits["xid" if kind == "transaction" else "mxid"]
    past_freeze = freeze_max is not None and age > freeze_max
    database = str(row["database"])
    fix_sql = "\n".join(f"VACUUM (FREEZE, VERBOSE) {qualified(t['schema'], t['table'])};" for t in oldest) or None
    if oldest:
        where = f"Freeze its oldest tables first ({', '.join(qualified(t['schema'], t['table']) for t in oldest)})"
    elif not bool(row["allow_connections"]):
        where = (f"Database {database} accepts no connections (template0): autovacuum freezes it by itself; if it "
                 "does not, allow connections for a moment and VACUUM (FREEZE) it")
    else:
        where = f"Connect to database {database} and freeze its oldest tables first"
    return Finding(
        check=XidWraparound.id,
        severity=_severity(age, settings),
        title=(f"Database {database} is {age:,} {kind} IDs old: {WRAPAROUND_LIMIT - age:,} left before "
               "wraparound stops writes"),
        object=ObjectRef(),
        recommendation=(f"{where}, or run vacuumdb --freeze --min-xid-age={settings.min_age} --dbname={database}. "
                        + ("Its age is past autovacuum's freeze limit: find what keeps anti-wraparound autovacuum "
                           "from finishing (vacuum_blocked, autovacuum workers, cost limits). " if past_freeze else "")
                        + "Remove anything holding the xmin horizon back first."),
        evidence={"database": database, "xid_age": xid_age, "mxid_age": mxid_age, "limit": WRAPAROUND_LIMIT,
                  "ids_left": WRAPAROUND_LIMIT - age,
                  "used_percent": round(100 * age / WRAPAROUND_LIMIT, 4), "freeze_max_age": freeze_max,
                  "past_freeze_max_age": past_freeze, "oldest_tables": oldest},
        fix_sql=fix_sql,
        fingerprint=keyed_fingerprint(XidWraparound.id, database),
    )
