"""long_transaction: sessions idle in transaction or running one transaction for too long."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pgdiag.checks._support.sessions import (
    IDLE_IN_TRANSACTION,
    client_sessions,
    duration_text,
    keyed_fingerprint,
    seconds_between,
    session_evidence,
    session_label,
)
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef, QueryRef
from pgdiag.core.snapshot import Snapshot


class LongTransaction(Check):
    """Session idle in a transaction, or in one transaction, for too long.

    **Problem**

    A client session (any database of the server; pgdiag's own sessions aside) has sat idle inside
    an open transaction for at least ``idle_in_transaction_seconds`` (measured from its last state
    change, as ``idle_in_transaction_session_timeout`` measures it), or is active in a transaction
    that began at least ``active_seconds`` ago. Each finding names the session (pid,
    application_name, user, database) and its last statement.

    Severity is high from ``high_seconds``, medium below.

    **Why it matters**

    An open transaction keeps every lock it took until it ends, so the next ``ALTER TABLE`` queues
    behind it and every query queues behind the ``ALTER``. If it holds a snapshot or a transaction
    ID, vacuum cannot remove rows that died after it began: tables and indexes bloat while it
    lasts (see ``vacuum_blocked``). An application that forgets to commit usually leaks
    connections from its pool as well.

    **Fix**

    End the session if it is abandoned::

        SELECT pg_terminate_backend(12345);

    then fix the application (commit or roll back before waiting on anything else) and let the
    server end such sessions by itself, per role or database::

        ALTER ROLE app SET idle_in_transaction_session_timeout = '60s';
    """

    id: ClassVar[str] = "long_transaction"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "idle_in_transaction_seconds": Threshold(60, "seconds a session may sit idle inside a transaction"),
        "active_seconds": Threshold(300, "seconds an active session's transaction may run"),
        "high_seconds": Threshold(3600, "seconds (idle or transaction age) from which a finding is high"),
    }
    requires: ClassVar[tuple[str, ...]] = ("activity",)

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per session past its threshold, longest first."""
        found = []
        for row in client_sessions(snapshot).to_dict("records"):
            idle = row["state"] in IDLE_IN_TRANSACTION
            if idle:
                seconds, limit = seconds_between(row["state_change"], row["now"]), settings.idle_in_transaction_seconds
            elif row["state"] == "active":
                seconds, limit = seconds_between(row["xact_start"], row["now"]), settings.active_seconds
            else:
                continue
            if seconds is not None and seconds >= limit:
                found.append((seconds, _finding(row, idle, seconds, settings)))
        for _, finding in sorted(found, key=lambda pair: -pair[0]):
            yield finding


def _finding(row: dict[str, Any], idle: bool, seconds: float, settings: Any) -> Finding:
    """The finding for one session, with its last statement and the timeout that would have ended it."""
    who = session_label(row)
    transaction_seconds = seconds_between(row["xact_start"], row["now"])
    if idle:
        title = f"Session {who} has been idle in transaction for {duration_text(seconds)}"
        timeout = "idle_in_transaction_session_timeout"
        advice = ("Commit or roll back before the application waits on anything else, and set "
                  f"{timeout} (e.g. ALTER ROLE {row['username']} SET {timeout} = '60s') so the server ends such "
                  "sessions itself.")
    else:
        title = f"Session {who} has been in one transaction for {duration_text(seconds)}"
        timeout = "statement_timeout"
        advice = ("Split the work into shorter transactions (batches), and set statement_timeout "
                  f"(e.g. ALTER ROLE {row['username']} SET statement_timeout = '5min') for roles that should "
                  "never run this long.")
    query = row["query"] if isinstance(row["query"], str) and row["query"] else None
    return Finding(
        check=LongTransaction.id,
        severity="high" if seconds >= settings.high_seconds else "medium",
        title=title,
        object=ObjectRef(),
        query=QueryRef(queryid=None, text=query) if query else None,
        recommendation=(f"If the session is abandoned, end it with SELECT pg_terminate_backend({int(row['pid'])}); "
                        f"it holds its locks{' and snapshot' if idle else ''} until then. {advice}"),
        evidence={**session_evidence(row), "idle_seconds" if idle else "active_seconds": round(seconds, 1),
                  "transaction_seconds": None if transaction_seconds is None else round(transaction_seconds, 1),
                  "xmin_age": _age(row["xmin_age"]), "xid_age": _age(row["xid_age"]),
                  "last_statement": query, "timeout_setting": timeout},
        fix_sql=f"SELECT pg_terminate_backend({int(row['pid'])});",
        fingerprint=keyed_fingerprint(LongTransaction.id, row["pid"], row["backend_start"]),
    )


def _age(value: Any) -> int | None:
    """An xid age as int, None when the session has none."""
    return None if value is None or value != value else int(value)
