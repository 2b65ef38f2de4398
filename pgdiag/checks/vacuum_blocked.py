"""vacuum_blocked: what holds the xmin horizon back, so vacuum cannot remove dead rows."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pgdiag.checks._support.horizon import WRAPAROUND_LIMIT, Holder, horizon_holders
from pgdiag.checks._support.sessions import (
    duration_text,
    keyed_fingerprint,
    quote_literal,
    session_evidence,
    session_label,
)
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot


class VacuumBlocked(Check):
    """Prepared transaction, replication slot, standby or session holding vacuum back.

    **Problem**

    Something keeps the server's xmin horizon old, so vacuum (in every database for sessions,
    standbys and physical slots) must keep the rows that died after it: a prepared transaction
    (``PREPARE TRANSACTION`` never followed by ``COMMIT PREPARED`` or ``ROLLBACK PREPARED``), a
    replication slot with an ``xmin`` or ``catalog_xmin``, a standby with ``hot_standby_feedback``,
    or a session whose transaction holds a snapshot or a transaction ID. Each is reported when it
    is at least ``min_xid_age`` transactions old, or has held on for ``min_seconds`` (where the
    server says since when: sessions and prepared transactions), or is an inactive slot; named
    by its gid, slot name, application_name or pid.

    Severity is high from ``high_xid_age`` transactions or ``high_seconds``, medium below.

    **Why it matters**

    Dead rows vacuum may not remove pile up in every table written to: tables and indexes bloat,
    queries slow down, and the oldest transaction ID cannot advance, which leads to an
    anti-wraparound shutdown if it lasts long enough. A forgotten prepared transaction survives
    restarts and also keeps its locks; an abandoned slot also keeps its WAL (see
    ``replication_slot_risk``).

    **Fix**

    Remove the holder::

        ROLLBACK PREPARED 'gid';                      -- or COMMIT PREPARED, in its database
        SELECT pg_drop_replication_slot('slot_name');
        SELECT pg_terminate_backend(12345);

    and prevent it: ``idle_in_transaction_session_timeout`` and ``statement_timeout`` for
    application roles, ``max_prepared_transactions = 0`` unless a transaction manager uses it,
    monitoring of slots, and ``hot_standby_feedback`` only where standby queries need it.
    """

    id: ClassVar[str] = "vacuum_blocked"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "min_xid_age": Threshold(10_000_000, "transaction IDs a holder may hold the horizon back by"),
        "min_seconds": Threshold(300, "seconds a prepared transaction or a session's transaction may hold it"),
        "high_xid_age": Threshold(100_000_000, "transaction IDs from which a finding is high"),
        "high_seconds": Threshold(86400, "seconds from which a finding is high"),
    }
    requires: ClassVar[tuple[str, ...]] = ("activity", "prepared_xacts", "replication_slots", "replication")

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per holder past a threshold, oldest first."""
        for holder in horizon_holders(snapshot):
            old = holder.xid_age >= settings.min_xid_age
            long_held = holder.seconds is not None and holder.seconds >= settings.min_seconds
            abandoned = holder.kind == "slot" and not bool(holder.row["active"])
            if old or long_held or abandoned:
                yield _finding(holder, settings)


def _finding(holder: Holder, settings: Any) -> Finding:
    """The finding for one holder: who it is, how old, and how to remove it."""
    row = holder.row
    held = f"{holder.xid_age:,} transactions" + (f", {duration_text(holder.seconds)}" if holder.seconds else "")
    if holder.kind == "prepared":
        subject = f"Prepared transaction '{holder.name}' (database {row['database']}, owner {row['owner']})"
        fix_sql = f"ROLLBACK PREPARED {quote_literal(holder.name)};"
        advice = (f"Connect to database {row['database']} and run COMMIT PREPARED or ROLLBACK PREPARED "
                  f"{quote_literal(holder.name)} once its transaction manager is known to be gone; set "
                  "max_prepared_transactions = 0 if nothing should use two-phase commit.")
        evidence = {"gid": holder.name, "database": row["database"], "owner": row["owner"]}
    elif holder.kind == "slot":
        state = "active" if bool(row["active"]) else "inactive"
        subject = f"Replication slot '{holder.name}' ({state} {row['slot_type']} slot)"
        fix_sql = f"SELECT pg_drop_replication_slot({quote_literal(holder.name)});"
        advice = ("Drop the slot if its consumer is gone; otherwise bring the consumer back, it is the only "
                  "thing that advances the slot.")
        evidence = {"slot_name": holder.name, "slot_type": row["slot_type"], "active": bool(row["active"]),
                    "database": row["database"] if isinstance(row["database"], str) else None}
    elif holder.kind == "standby":
        subject = f"Standby '{holder.name}' (hot_standby_feedback)"
        fix_sql = None
        advice = ("Find the long query on the standby and end it, or turn hot_standby_feedback off there "
                  "(standby queries may then be cancelled by conflicts; max_standby_streaming_delay decides).")
        evidence = {"application_name": holder.name,
                    "client_addr": row["client_addr"] if isinstance(row["client_addr"], str) else None}
    else:
        subject = f"Session {session_label(row)} ({row['state']})"
        fix_sql = f"SELECT pg_terminate_backend({int(row['pid'])});"
        advice = ("End the session if it is abandoned, and set idle_in_transaction_session_timeout and "
                  "statement_timeout for the application's roles.")
        evidence = session_evidence(row)
    high = holder.xid_age >= settings.high_xid_age or (holder.seconds or 0) >= settings.high_seconds
    return Finding(
        check=VacuumBlocked.id,
        severity="high" if high else "medium",
        title=f"{subject} holds vacuum back by {held}",
        object=ObjectRef(),
        recommendation=f"Vacuum cannot remove rows that died after it began, in any table. {advice}",
        evidence={"kind": holder.kind, "xid_age": holder.xid_age,
                  "used_percent": round(100 * holder.xid_age / WRAPAROUND_LIMIT, 4),
                  "held_seconds": None if holder.seconds is None else round(holder.seconds, 1), **evidence},
        fix_sql=fix_sql,
        fingerprint=keyed_fingerprint(VacuumBlocked.id, holder.kind, holder.name),
    )
