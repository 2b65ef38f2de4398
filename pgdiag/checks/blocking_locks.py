"""blocking_locks: sessions waiting on locks, grouped by the session at the head of the queue."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pgdiag.core.lazy import pandas as pd

from pgdiag.checks._support.sessions import (
    duration_text,
    keyed_fingerprint,
    seconds_between,
    session_evidence,
    session_label,
    text_or_none,
)
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef, QueryRef
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified


class BlockingLocks(Check):
    """Sessions waiting on a lock, and the session that blocks them.

    **Problem**

    At least one session has waited for a lock for ``min_wait_seconds`` or more. Waiting
    sessions are grouped under the session at the head of each chain (pg_blocking_pids followed
    until a session that waits for nothing): one finding per head, naming it (pid,
    application_name, user, its last statement), the relation, the mode it holds, the modes the
    waiters want, the chain and how long each has waited (PostgreSQL 14+: since the wait began;
    13: since the waiting statement began). A deadlock cycle, which the server breaks by itself
    within ``deadlock_timeout``, is headed by its lowest pid.

    Severity is high from ``high_wait_seconds`` of waiting or ``high_waiters`` sessions queued,
    medium below.

    **Why it matters**

    Lock queues grow: a session that wants ``ACCESS EXCLUSIVE`` (``ALTER TABLE``, ``VACUUM FULL``,
    ``REINDEX`` without ``CONCURRENTLY``) waits behind a long transaction, and every later reader
    of the table waits behind it. Connection pools fill and the application stops answering
    although the server is idle.

    **Fix**

    Let the head finish, or end it::

        SELECT pg_cancel_backend(12345);     -- its current statement
        SELECT pg_terminate_backend(12345);  -- the whole session

    then keep it from happening again: run DDL with a short ``lock_timeout`` (and retry), and keep
    transactions short (``idle_in_transaction_session_timeout``). pgdiag itself never waits: its
    sessions run with ``lock_timeout``.
    """

    id: ClassVar[str] = "blocking_locks"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "min_wait_seconds": Threshold(5, "seconds the longest waiter has waited before a chain is reported"),
        "high_wait_seconds": Threshold(60, "seconds of waiting from which a finding is high"),
        "high_waiters": Threshold(10, "sessions queued behind one head from which a finding is high"),
    }
    requires: ClassVar[tuple[str, ...]] = ("activity", "lock_waits")

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per head of a lock queue whose longest waiter passed the threshold."""
        waits = snapshot.frame("lock_waits")
        activity = snapshot.frame("activity")
        if waits.empty or activity.empty:
            return
        sessions = {int(row["pid"]): row for row in activity.to_dict("records")}
        now = activity["now"].iloc[0]
        waiters = [_waiter(row, sessions, now) for row in waits.to_dict("records")]
        blocked_by = {w["pid"]: w["blocked_by"] for w in waiters}
        queues: dict[int, list[dict[str, Any]]] = {}
        for waiter in waiters:
            for head in _heads(waiter["pid"], blocked_by):
                queues.setdefault(head, []).append(waiter)
        findings = []
        for head, queue in queues.items():
            longest = max((w["waiting_seconds"] or 0.0) for w in queue)
            if longest >= settings.min_wait_seconds:
                findings.append(_finding(head, sessions.get(head), queue, longest, settings))
        yield from sorted(findings, key=lambda f: -f.evidence["longest_wait_seconds"])


def _waiter(row: dict[str, Any], sessions: dict[int, dict[str, Any]], now: Any) -> dict[str, Any]:
    """One waiting lock with its session and how long it has waited (wait start, else statement start)."""
    pid = int(row["pid"])
    session = sessions.get(pid, {})
    since = row["wait_start"] if not pd.isna(row["wait_start"]) else session.get("query_start")
    seconds = seconds_between(since, now)
    relation = qualified(row["schema"], row["relation"]) if isinstance(row["relation"], str) else None
    return {"pid": pid, "application_name": text_or_none(session.get("application_name")),
            "username": text_or_none(session.get("username")),
            "locktype": row["locktype"], "mode": row["mode"], "relation": relation,
            "schema": row["schema"] if relation else None, "table": row["relation"] if relation else None,
            "blocked_by": [int(p) for p in (row["blocked_by"] or [])],
            "blocker_modes": list(row["blocker_modes"] or []),
            "waiting_seconds": None if seconds is None else round(seconds, 1),
            "query": text_or_none(session.get("query"))}


def _heads(pid: int, blocked_by: dict[int, list[int]]) -> set[int]:
    """The sessions at the head of `pid`'s chains: blockers that wait for no lock themselves (the lowest pid of
    a cycle that has none)."""
    heads, seen, todo = set(), {pid}, list(blocked_by.get(pid, []))
    while todo:
        blocker = todo.pop()
        if blocker in seen:
            continue
        seen.add(blocker)
        if blocked_by.get(blocker):
            todo.extend(blocked_by[blocker])
        else:
            heads.add(blocker)
    return heads or {min(seen - {pid}, default=pid)}


def _finding(head: int, session: dict[str, Any] | None, queue: list[dict[str, Any]], longest: float,
             settings: Any) -> Finding:
    """The finding for one head of a lock queue."""
    first = max(queue, key=lambda w: w["waiting_seconds"] or 0.0)
    who = session_label(session) if session else f"pid {head}"
    held = ", ".join(sorted({m for w in queue for m in w["blocker_modes"]})) or "a lock"
    wanted = ", ".join(sorted({w["mode"] for w in queue}))
    target = first["relation"] or f"a {first['locktype']} lock"
    high = longest >= settings.high_wait_seconds or len(queue) >= settings.high_waiters
    query = session.get("query") if session else None
    query = query if isinstance(query, str) and query else None
    return Finding(
        check=BlockingLocks.id,
        severity="high" if high else "medium",
        title=(f"{len(queue)} session{'s' if len(queue) > 1 else ''} waiting on {target} behind {who}, "
               f"the longest for {duration_text(longest)}"),
        object=ObjectRef(schema=first["schema"], table=first["table"]),
        query=QueryRef(queryid=None, text=query) if query else None,
        recommendation=(f"Session {head} holds {held} and the waiters want {wanted}. Let it finish or end it "
                        f"(SELECT pg_cancel_backend({head}); for its statement, pg_terminate_backend for the session). "
                        "Run DDL with a short lock_timeout and retry it, and keep transactions short."),
        evidence={"blocker": {**session_evidence(session), "last_statement": query} if session else {"pid": head},
                  "held_modes": held.split(", ") if held != "a lock" else [],
                  "waiters": [{k: v for k, v in w.items() if k not in ("schema", "table")} for w in queue],
                  "longest_wait_seconds": round(longest, 1)},
        fix_sql=f"SELECT pg_terminate_backend({head});",
        fingerprint=keyed_fingerprint(BlockingLocks.id, head, session.get("backend_start") if session else None),
    )
