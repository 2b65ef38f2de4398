"""replication_lag: standbys behind the primary, in bytes of WAL and in time."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pgdiag.core.lazy import pandas as pd

from pgdiag.checks._support.sessions import keyed_fingerprint
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot

MIB = 1 << 20


class ReplicationLag(Check):
    """Standby behind the primary in WAL bytes or in time.

    **Problem**

    A standby (or another WAL receiver, from ``pg_stat_replication`` on the primary) has not
    replayed the last ``lag_mb`` MiB of WAL, or its last reported replay lag (``replay_lag``: the
    time from the primary's flush to the standby's replay) is ``lag_seconds`` or more. Each finding
    names the standby (application_name, address), its state and sync state, and the lag at
    each stage: sent, and replayed. Without ``pg_read_all_stats`` the positions of other roles'
    senders are hidden and nothing can be judged.

    Severity is high from ``high_lag_mb`` MiB or ``high_lag_seconds``, or for a synchronous standby
    (every commit waits for it), medium below.

    **Why it matters**

    Reads from a lagging standby return old data; a failover to it loses (asynchronous) or waits
    for (synchronous) the WAL it has not received; the primary keeps that WAL (with a slot) or
    the standby falls off the end of it (without one) and must be rebuilt.

    **Fix**

    Find the stage that lags: the network or the primary's sender (``sent_lsn`` behind), the
    standby's disk (``flush_lsn``), or its replay (``replay_lsn``: long queries on the standby with
    ``max_standby_streaming_delay`` high, or a paused replay: ``SELECT pg_wal_replay_resume();`` on
    the standby). Give the standby the I/O of the primary, and batch big writes on the primary.
    """

    id: ClassVar[str] = "replication_lag"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "lag_mb": Threshold(256, "MiB of WAL not yet replayed by a standby before it is reported"),
        "lag_seconds": Threshold(60, "seconds of replay lag before a standby is reported"),
        "high_lag_mb": Threshold(4096, "MiB of WAL behind from which a finding is high"),
        "high_lag_seconds": Threshold(600, "seconds of replay lag from which a finding is high"),
    }
    requires: ClassVar[tuple[str, ...]] = ("replication",)

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per standby past a threshold, the furthest behind first."""
        replication = snapshot.frame("replication")
        if replication.empty:
            return
        found = []
        for row in replication.to_dict("records"):
            lag_bytes = _number(row["replay_lag_bytes"])
            lag_seconds = _number(row["replay_lag_seconds"])
            behind_mb = (lag_bytes or 0) / MIB
            if behind_mb >= settings.lag_mb or (lag_seconds or 0) >= settings.lag_seconds:
                found.append(_finding(row, lag_bytes, lag_seconds, settings))
        yield from sorted(found, key=lambda f: -(f.evidence["replay_lag_bytes"] or 0))


def _number(value: Any) -> float | None:
    """A frame cell as a float, None when missing."""
    return None if value is None or pd.isna(value) else float(value)


def _finding(row: dict[str, Any], lag_bytes: float | None, lag_seconds: float | None, settings: Any) -> Finding:
    """The finding for one standby."""
    name = row["application_name"] if isinstance(row["application_name"], str) and row["application_name"] else None
    label = f"'{name}'" if name else f"pid {int(row['pid'])}"
    where = f" at {row['client_addr']}" if isinstance(row["client_addr"], str) else ""
    synchronous = row["sync_state"] in ("sync", "quorum")
    high = ((lag_bytes or 0) / MIB >= settings.high_lag_mb or (lag_seconds or 0) >= settings.high_lag_seconds
            or synchronous)
    parts = [f"{(lag_bytes or 0) / MIB:,.1f} MiB of WAL"] + ([f"{lag_seconds:,.1f} s"] if lag_seconds else [])
    return Finding(
        check=ReplicationLag.id,
        severity="high" if high else "medium",
        title=f"Standby {label}{where} ({row['state']}, {row['sync_state']}) is behind by {' and '.join(parts)}",
        object=ObjectRef(),
        recommendation=("Compare its sent, flushed and replayed positions to find the stage that lags: the network "
                        "or the sender, the standby's disk, or its replay (long standby queries, or replay paused: "
                        "SELECT pg_wal_replay_resume(); on the standby)."
                        + (" It is synchronous: every commit on the primary waits for it." if synchronous else "")),
        evidence={"application_name": name, "client_addr": row["client_addr"] if where else None,
                  "state": row["state"], "sync_state": row["sync_state"],
                  "send_lag_bytes": None if _number(row["send_lag_bytes"]) is None else int(row["send_lag_bytes"]),
                  "replay_lag_bytes": None if lag_bytes is None else int(lag_bytes),
                  "replay_lag_seconds": lag_seconds, "sent_lsn": row["sent_lsn"], "replay_lsn": row["replay_lsn"]},
        fingerprint=keyed_fingerprint(ReplicationLag.id, name or row["client_addr"]),
    )
