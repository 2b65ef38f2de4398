"""replication_slot_risk: slots that keep WAL without a consumer, lost their WAL, or may fill the disk."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pgdiag.core.lazy import pandas as pd

from pgdiag.checks._support.sessions import keyed_fingerprint, quote_literal, setting, text_or_none
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot

MIB = 1 << 20


class ReplicationSlotRisk(Check):
    """Replication slot that retains WAL without a consumer, or has lost the WAL it needs.

    **Problem**

    A replication slot keeps every WAL segment from its ``restart_lsn`` on until its consumer
    (a standby, a logical decoding client, a CDC tool) confirms it. Reported per slot: an inactive
    slot (no consumer connected), with the WAL it retains; a slot whose ``wal_status`` is
    ``unreserved`` (its WAL is about to be removed) or ``lost`` (it was: the consumer can never
    catch up); an active slot retaining ``high_retained_mb`` or more (its consumer lags). And once
    per server: slots exist while ``max_slot_wal_keep_size = -1`` (nothing caps their WAL).
    Temporary slots are left out: they end with their session.

    Severity: ``lost`` is critical; ``unreserved``, and an inactive slot retaining
    ``high_retained_mb`` or more, high; other inactive slots and lagging active ones medium; an
    inactive slot that has reserved no WAL yet, and the missing cap, low.

    **Why it matters**

    Retained WAL grows until the disk holding ``pg_wal`` is full, and then the server stops. An
    abandoned slot is the most common cause of a full WAL disk: a standby or CDC pipeline was
    removed and its slot forgotten. A slot with an ``xmin`` or ``catalog_xmin`` also holds vacuum
    back (see ``vacuum_blocked``).

    **Fix**

    Drop a slot whose consumer is gone, or reconnect the consumer::

        SELECT pg_drop_replication_slot('slot_name');

    and cap what any slot may keep (PostgreSQL 13+; a slot past the cap is invalidated rather than
    filling the disk)::

        ALTER SYSTEM SET max_slot_wal_keep_size = '50GB';
        SELECT pg_reload_conf();
    """

    id: ClassVar[str] = "replication_slot_risk"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "high_retained_mb": Threshold(10240, "MiB of retained WAL from which an inactive slot is high and an "
                                             "active one is reported"),
    }
    requires: ClassVar[tuple[str, ...]] = ("replication_slots", "settings")

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per slot at risk, then one for the missing cap."""
        slots = snapshot.frame("replication_slots")
        if slots.empty:
            return
        slots = slots[~slots["temporary"].astype(bool)]
        cap = setting(snapshot, "max_slot_wal_keep_size")
        uncapped = cap == "-1"
        for row in slots.to_dict("records"):
            finding = _slot_finding(row, uncapped, settings)
            if finding is not None:
                yield finding
        if uncapped and not slots.empty:
            yield _cap_finding(slots)


def _slot_finding(row: dict[str, Any], uncapped: bool, settings: Any) -> Finding | None:
    """The finding for one slot, None when it is healthy."""
    name, active = str(row["slot_name"]), bool(row["active"])
    retained = None if pd.isna(row["retained_bytes"]) else int(row["retained_bytes"])
    retained_mb = (retained or 0) / MIB
    big = retained_mb >= settings.high_retained_mb
    status = row["wal_status"] if isinstance(row["wal_status"], str) else None
    if status == "lost":
        severity, problem = "critical", "has lost WAL its consumer needs: the consumer can no longer catch up"
    elif status == "unreserved":
        severity, problem = "high", "is past max_slot_wal_keep_size: its WAL will be removed at the next checkpoint"
    elif not active and retained is None:
        severity, problem = "low", "is inactive and has reserved no WAL yet (it will once a consumer connects)"
    elif not active:
        severity, problem = ("high" if big else "medium"), f"is inactive and retains {_size(retained)} of WAL"
    elif big:
        severity, problem = "medium", f"retains {_size(retained)} of WAL: its consumer lags"
    else:
        return None
    drop = f"SELECT pg_drop_replication_slot({quote_literal(name)});"
    advice = ("Drop it if its consumer is gone, or reconnect the consumer."
              if status != "lost" else "Drop it and rebuild its consumer (a new standby or a fresh CDC snapshot).")
    if uncapped:
        advice += " Nothing caps the WAL a slot keeps: set max_slot_wal_keep_size."
    return Finding(
        check=ReplicationSlotRisk.id,
        severity=severity,
        title=f"Replication slot '{name}' ({row['slot_type']}) {problem}",
        object=ObjectRef(),
        recommendation=advice,
        evidence={"slot_name": name, "slot_type": row["slot_type"], "plugin": text_or_none(row["plugin"]),
                  "database": text_or_none(row["database"]), "active": active, "wal_status": status,
                  "retained_bytes": retained, "restart_lsn": text_or_none(row["restart_lsn"]),
                  "safe_wal_size": None if pd.isna(row["safe_wal_size"]) else int(row["safe_wal_size"]),
                  "inactive_since": None if pd.isna(row["inactive_since"]) else pd.Timestamp(
                      row["inactive_since"]).isoformat(),
                  "max_slot_wal_keep_size_set": not uncapped},
        fix_sql=drop if (not active or status == "lost") else None,
        fingerprint=keyed_fingerprint(ReplicationSlotRisk.id, "slot", name),
    )


def _cap_finding(slots: pd.DataFrame) -> Finding:
    """The server-wide finding: slots exist and nothing limits the WAL they may keep."""
    names = sorted(str(n) for n in slots["slot_name"])
    return Finding(
        check=ReplicationSlotRisk.id,
        severity="low",
        title=f"max_slot_wal_keep_size is unlimited while {len(names)} replication slot(s) exist",
        object=ObjectRef(),
        recommendation=("Cap the WAL a slot may keep, so an abandoned slot invalidates itself instead of filling "
                        "the WAL disk: ALTER SYSTEM SET max_slot_wal_keep_size (a size well under the free space "
                        "of pg_wal's disk), then SELECT pg_reload_conf();"),
        evidence={"slots": names, "max_slot_wal_keep_size": -1},
        fix_sql="ALTER SYSTEM SET max_slot_wal_keep_size = '50GB';\nSELECT pg_reload_conf();",
        fingerprint=keyed_fingerprint(ReplicationSlotRisk.id, "max_slot_wal_keep_size"),
    )


def _size(value: int | None) -> str:
    """A byte count for a title, in MiB or GiB."""
    if value is None:
        return "an unknown amount"
    return f"{value / MIB:,.1f} MiB" if value < 1024 * MIB else f"{value / 1024 / MIB:,.1f} GiB"


