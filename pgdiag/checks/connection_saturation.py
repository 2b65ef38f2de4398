"""connection_saturation: client connections close to max_connections, or many of them idle."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pgdiag.checks._support.sessions import keyed_fingerprint, setting
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot

POOLER_ADVICE = ("Put a transaction-mode connection pooler (PgBouncer, pgcat, or the application's own pool sized "
                 "to a few connections per core) in front of the server, rather than raising max_connections: "
                 "every connection costs memory and slows snapshots.")


class ConnectionSaturation(Check):
    """Client connections close to max_connections, or many connections sitting idle.

    **Problem**

    The server's client connections (every database, pgdiag's own included) use at least
    ``used_percent`` % of the connections ordinary roles may open: ``max_connections`` less
    ``superuser_reserved_connections`` (and ``reserved_connections``, PostgreSQL 16+). Or at
    least ``min_idle`` connections are idle and they are ``idle_percent`` % or more of
    ``max_connections``: an application pool far bigger than its work.

    Severity: high from ``high_percent`` % in use, medium from ``used_percent`` %; many idle
    connections are low.

    **Why it matters**

    At the limit, new connections fail with "sorry, too many clients already": the application
    is down although the server has capacity. Idle connections are not free: each holds a
    backend process and its memory, and every snapshot scans all of them, so thousands of
    connections slow every query.

    **Fix**

    Use a connection pooler in transaction mode (PgBouncer) and size application pools to the
    work (a few connections per CPU core do most of what a server can), close idle ones
    (``idle_session_timeout``, PostgreSQL 14+, per role), and raise ``max_connections`` only as a
    last resort (it needs a restart and costs memory per connection).
    """

    id: ClassVar[str] = "connection_saturation"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "used_percent": Threshold(80, "percentage of the available connections in use before it is reported"),
        "high_percent": Threshold(95, "percentage in use from which a finding is high"),
        "idle_percent": Threshold(50, "percentage of max_connections idle for many idle connections to count"),
        "min_idle": Threshold(20, "idle connections needed before idle ones are reported"),
    }
    requires: ClassVar[tuple[str, ...]] = ("activity", "settings")

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """At most two findings: connections in use, and idle connections."""
        activity = snapshot.frame("activity")
        max_connections = int(setting(snapshot, "max_connections") or 0)
        if activity.empty or max_connections <= 0:
            return
        reserved = sum(int(setting(snapshot, name) or 0)
                       for name in ("superuser_reserved_connections", "reserved_connections"))
        available = max(max_connections - reserved, 1)
        clients = activity[activity["backend_type"] == "client backend"]
        used = len(clients) + 1  # pgdiag's collecting session is not in the frame
        idle = int((clients["state"] == "idle").sum())
        percent = 100 * used / available
        idle_share = 100 * idle / max_connections
        crowded = percent >= settings.used_percent
        idle_many = idle >= settings.min_idle and idle_share >= settings.idle_percent
        if not (crowded or idle_many):
            return
        evidence = {"connections": used, "max_connections": max_connections, "reserved": reserved,
                    "available": available, "idle": idle,
                    "by_database": _counts(clients, "database"), "by_application": _counts(clients, "application_name")}
        if crowded:
            yield Finding(
                check=ConnectionSaturation.id,
                severity="high" if percent >= settings.high_percent else "medium",
                title=f"{used} of {available} available connections in use ({percent:.0f} %)",
                object=ObjectRef(),
                recommendation=POOLER_ADVICE,
                evidence={**evidence, "used_percent": round(percent, 1)},
                fingerprint=keyed_fingerprint(ConnectionSaturation.id, "used"),
            )
        if idle_many:
            yield Finding(
                check=ConnectionSaturation.id,
                severity="low",
                title=f"{idle} connections are idle ({idle_share:.0f} % of max_connections {max_connections})",
                object=ObjectRef(),
                recommendation=(f"Shrink the application pools that keep them open (by application: "
                                f"{_top(clients[clients['state'] == 'idle'])}), or close them with "
                                f"idle_session_timeout for those roles. {POOLER_ADVICE}"),
                evidence={**evidence, "idle_percent": round(idle_share, 1)},
                fingerprint=keyed_fingerprint(ConnectionSaturation.id, "idle"),
            )


def _counts(clients: Any, column: str) -> dict[str, int]:
    """Connections per value of `column` (database or application_name), most first."""
    counts = clients[column].fillna("").value_counts()
    return {str(name): int(n) for name, n in counts.items()}


def _top(clients: Any) -> str:
    """The applications holding the most of `clients`, for the recommendation."""
    counts = _counts(clients, "application_name")
    return ", ".join(f"{name or '(none)'} {n}" for name, n in list(counts.items())[:3]) or "none named"
