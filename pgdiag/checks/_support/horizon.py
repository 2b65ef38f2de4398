"""What holds the server's xmin horizon back: sessions, prepared transactions, replication slots and standbys.

Shared by the ``vacuum_blocked`` check and the report header's "oldest xmin".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pgdiag.core.lazy import pandas as pd

from pgdiag.checks._support.sessions import PGDIAG_APPLICATION, seconds_between
from pgdiag.core.snapshot import Snapshot

WRAPAROUND_LIMIT = 2**31
"""Transaction IDs (and multixact IDs) a database may age by before the server refuses new ones."""


@dataclass(frozen=True)
class Holder:
    """One thing that keeps vacuum from removing rows that died after its oldest transaction ID.

    `kind` is session, prepared, slot or standby; `name` what identifies it (pid, gid, slot name,
    application_name); `xid_age` the age in transaction IDs of what it holds; `seconds` how long it has
    held it, where the server says (sessions: transaction start; prepared: prepare time).
    """

    kind: str
    name: str
    xid_age: int
    seconds: float | None
    row: dict[str, Any] = field(compare=False, repr=False)


def horizon_holders(snapshot: Snapshot) -> list[Holder]:
    """Everything holding an xmin or a transaction ID, oldest (largest xid age) first.

    On a tie, prepared transactions, slots and standbys come before sessions: a session's snapshot takes the
    oldest running transaction ID as its xmin, and a prepared transaction counts as running, so an equal age
    usually means the session only inherits what the other holds.
    """
    holders = _prepared(snapshot) + _slots(snapshot) + _standbys(snapshot) + _sessions(snapshot)
    return sorted(holders, key=lambda h: -h.xid_age)


def _age(*values: Any) -> int | None:
    """The largest of the ages given that are known."""
    known = [int(v) for v in values if v is not None and not pd.isna(v)]
    return max(known) if known else None


def _sessions(snapshot: Snapshot) -> list[Holder]:
    """Backends with a snapshot or transaction ID; walsenders count as standbys, pgdiag's own sessions not at all."""
    activity = snapshot.frame("activity")
    if activity.empty:
        return []
    rows = activity[(activity["backend_type"] != "walsender") & (activity["application_name"] != PGDIAG_APPLICATION)]
    holders = []
    for row in rows.to_dict("records"):
        age = _age(row["xmin_age"], row["xid_age"])
        if age is not None:
            holders.append(Holder("session", str(int(row["pid"])), age,
                                  seconds_between(row["xact_start"], row["now"]), row))
    return holders


def _prepared(snapshot: Snapshot) -> list[Holder]:
    """Prepared transactions: each holds its transaction ID until COMMIT or ROLLBACK PREPARED."""
    prepared = snapshot.frame("prepared_xacts")
    return [Holder("prepared", str(row["gid"]), int(row["xid_age"]), seconds_between(row["prepared"], row["now"]), row)
            for row in prepared.to_dict("records")]


def _slots(snapshot: Snapshot) -> list[Holder]:
    """Replication slots with an xmin (physical, hot_standby_feedback) or a catalog_xmin (logical)."""
    slots = snapshot.frame("replication_slots")
    holders = []
    for row in slots.to_dict("records"):
        age = _age(row["xmin_age"], row["catalog_xmin_age"])
        if age is not None:
            holders.append(Holder("slot", str(row["slot_name"]), age, None, row))
    return holders


def _standbys(snapshot: Snapshot) -> list[Holder]:
    """Standbys whose hot_standby_feedback holds the primary's horizon."""
    replication = snapshot.frame("replication")
    holders = []
    for row in replication.to_dict("records"):
        age = _age(row["xmin_age"])
        if age is not None:
            name = row["application_name"] if isinstance(row["application_name"], str) else str(int(row["pid"]))
            holders.append(Holder("standby", name, age, None, row))
    return holders
