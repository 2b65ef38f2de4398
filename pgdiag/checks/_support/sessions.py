"""Helpers shared by the server-health checks: who a session is, how long something has lasted, the settings
they read, and fingerprints for findings about things that are not tables (sessions, slots, transactions)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pgdiag.core.lazy import pandas as pd

from pgdiag.core.snapshot import Snapshot

PGDIAG_APPLICATION = "pgdiag"
IDLE_IN_TRANSACTION = ("idle in transaction", "idle in transaction (aborted)")


def client_sessions(snapshot: Snapshot) -> pd.DataFrame:
    """The ``activity`` frame's client backends, without pgdiag's own sessions (the scan's other sessions)."""
    activity = snapshot.frame("activity")
    if activity.empty:
        return activity
    return activity[(activity["backend_type"] == "client backend")
                    & (activity["application_name"] != PGDIAG_APPLICATION)]


def seconds_between(start: Any, end: Any) -> float | None:
    """Seconds from `start` to `end`, None when either is missing."""
    if pd.isna(start) or pd.isna(end):
        return None
    return (pd.Timestamp(end) - pd.Timestamp(start)).total_seconds()


def session_label(row: dict[str, Any]) -> str:
    """How a finding names a session: its pid, application_name, role and database.

    >>> session_label({"pid": 42, "application_name": "billing", "username": "app", "database": "prod"})
    "pid 42 (application_name 'billing', user app, database prod)"
    """
    app = row.get("application_name")
    app_text = f"application_name '{app}'" if isinstance(app, str) and app else "no application_name"
    return f"pid {int(row['pid'])} ({app_text}, user {row.get('username')}, database {row.get('database')})"


def session_evidence(row: dict[str, Any]) -> dict[str, Any]:
    """The facts every finding about a session carries, JSON-ready."""
    return {"pid": int(row["pid"]), "application_name": text_or_none(row.get("application_name")),
            "username": text_or_none(row.get("username")), "database": text_or_none(row.get("database")),
            "client_addr": text_or_none(row.get("client_addr")), "state": text_or_none(row.get("state"))}


def setting(snapshot: Snapshot, name: str) -> str | None:
    """A server setting's value as text from the ``settings`` frame, None when it was not collected."""
    settings = snapshot.frame("settings")
    if settings.empty:
        return None
    value = settings.loc[settings["name"] == name, "setting"]
    return None if value.empty or pd.isna(value.iloc[0]) else str(value.iloc[0])


def keyed_fingerprint(check: str, *key: Any) -> str:
    """A finding's fingerprint from what identifies its subject (a slot's name, a transaction's gid, a session's
    pid and start), for subjects the contract's ``object`` (schema, table, index) cannot name.

    >>> keyed_fingerprint("vacuum_blocked", "prepared", "tx1") == keyed_fingerprint("vacuum_blocked", "prepared", "tx1")
    True
    """
    payload = json.dumps([check, *[str(part) for part in key]])
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def quote_literal(text: str) -> str:
    """`text` as an SQL string literal (standard_conforming_strings on, PostgreSQL's default since 9.1).

    >>> quote_literal("it's")
    "'it''s'"
    """
    return "'" + text.replace("'", "''") + "'"


def duration_text(seconds: float) -> str:
    """A duration for a title: seconds, minutes, hours or days.

    >>> duration_text(42), duration_text(125), duration_text(7300), duration_text(200000)
    ('42 s', '2.1 min', '2.0 h', '2.3 days')
    """
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def text_or_none(value: Any) -> str | None:
    """A frame cell as text, None when missing (NaN must not reach the JSON report).

    >>> text_or_none(float("nan")), text_or_none("app")
    (None, 'app')
    """
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
