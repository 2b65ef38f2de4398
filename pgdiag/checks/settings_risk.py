"""settings_risk: server settings that lose data or hide problems, and application roles without timeouts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Iterable

from pgdiag.core.lazy import pandas as pd

from pgdiag.checks._support.sessions import keyed_fingerprint
from pgdiag.checks.base import Check
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import quote_ident



@dataclass(frozen=True)
class Risk:
    """A setting's risky value, how bad it is, what it costs (short, for the title; in full) and the safe value."""

    risky: str
    severity: str
    headline: str
    why: str
    safe: str = "on"


RISKS: dict[str, Risk] = {
    "fsync": Risk("off", "critical", "a crash can corrupt the whole cluster",
                  "an operating-system crash or power loss can corrupt the whole cluster beyond repair; it is only for "
                  "throwaway data"),
    "full_page_writes": Risk("off", "high", "a crash can leave torn pages",
                             "a crash in the middle of a page write leaves torn pages that WAL replay cannot repair "
                             "(safe only on a filesystem that writes pages atomically, such as ZFS)"),
    "synchronous_commit": Risk("off", "medium", "a crash loses recently committed transactions",
                               "a crash loses the transactions committed in the last moments (up to 3 × "
                               "wal_writer_delay) although the application was told they were committed; set it off "
                               "per session or transaction for data that may be lost instead"),
    "autovacuum": Risk("off", "high", "dead rows pile up and transaction IDs are never frozen",
                       "dead rows are never removed and transaction IDs are never frozen by themselves: tables bloat, "
                       "and the database heads for a wraparound shutdown"),
    "track_counts": Risk("off", "high", "autovacuum cannot tell which tables need it",
                         "no table statistics are counted, so autovacuum cannot tell which tables need vacuum or "
                         "analyze, and pgdiag's own table checks see nothing"),
}
TIMEOUTS = ("statement_timeout", "idle_in_transaction_session_timeout")
SESSION_SOURCES = ("session", "client")
SERVER_SOURCES = ("default", "configuration file", "command line", "environment variable", "override")


class SettingsRisk(Check):
    """Server setting that can lose data or hide problems, or application roles without timeouts.

    **Problem**

    One finding per risky setting, as the server runs (a value set by pgdiag's own session is
    not judged): ``fsync = off`` (critical), ``full_page_writes = off``, ``autovacuum = off``,
    ``track_counts = off`` (high), ``synchronous_commit = off`` for the whole server (medium).
    And one finding (low) listing the application roles (can log in, neither superuser nor
    replication role) that get neither ``statement_timeout`` nor
    ``idle_in_transaction_session_timeout`` in the scanned database, from their role, the database
    or the server: a runaway query or a forgotten transaction from them runs, and holds its
    locks and snapshot, forever.

    **Why it matters**

    Each finding says its own reason: corruption after a crash (``fsync``, ``full_page_writes``),
    committed transactions lost (``synchronous_commit``), bloat and wraparound (``autovacuum``,
    ``track_counts``). Timeouts turn an application bug into one failed request instead of an
    outage of every session queued behind its locks.

    **Fix**

    Restore the safe value and reload::

        ALTER SYSTEM SET fsync = on;
        SELECT pg_reload_conf();

    and give each application role limits that fit its work::

        ALTER ROLE app SET statement_timeout = '30s';
        ALTER ROLE app SET idle_in_transaction_session_timeout = '60s';
    """

    id: ClassVar[str] = "settings_risk"
    requires: ClassVar[tuple[str, ...]] = ("settings", "role_timeouts")

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """The risky settings, worst first, then the roles without timeouts."""
        frame = snapshot.frame("settings").set_index("name")
        for name, risk in RISKS.items():
            if name in frame.index and str(frame.loc[name, "setting"]) == risk.risky \
                    and frame.loc[name, "source"] not in SESSION_SOURCES:
                yield _setting_finding(name, risk, str(frame.loc[name, "source"]))
        roles = _roles_without_timeouts(snapshot)
        if roles:
            yield _timeout_finding(roles, snapshot.target.get("database"))


def _setting_finding(name: str, risk: Risk, source: str) -> Finding:
    """The finding for one risky setting."""
    fix_sql = f"ALTER SYSTEM SET {name} = {risk.safe};\nSELECT pg_reload_conf();"
    return Finding(
        check=SettingsRisk.id,
        severity=risk.severity,
        title=f"{name} = {risk.risky}: {risk.headline}",
        object=ObjectRef(),
        recommendation=(f"{name} = {risk.risky} (set in: {source}): {risk.why}. Set it back to {risk.safe} where it "
                        "was set (ALTER SYSTEM, postgresql.conf or the server's command line) and reload."),
        evidence={"setting": name, "value": risk.risky, "source": source, "safe_value": risk.safe},
        fix_sql=fix_sql,
        fingerprint=keyed_fingerprint(SettingsRisk.id, name),
    )


def _roles_without_timeouts(snapshot: Snapshot) -> list[str]:
    """Application roles with neither timeout from their role, this database or the server (0 means none)."""
    roles = snapshot.frame("role_timeouts")
    if roles.empty:
        return []
    server = {name: _server_value(snapshot, name) for name in TIMEOUTS}
    unlimited = pd.Series(True, index=roles.index)
    for name in TIMEOUTS:
        effective = roles[name].where(roles[name].notna(), server[name])
        unlimited &= effective.map(_disabled)
    return sorted(str(r) for r in roles.loc[unlimited, "role"])


def _server_value(snapshot: Snapshot, name: str) -> str | None:
    """The server-wide value of setting `name`, None when pgdiag's session cannot see it: its own session set it
    (pgdiag sets statement_timeout at connection) or its role or database did (those are judged per role)."""
    frame = snapshot.frame("settings")
    row = frame[frame["name"] == name]
    if row.empty or row["source"].iloc[0] not in SERVER_SOURCES:
        return None
    return str(row["setting"].iloc[0])


def _disabled(value: Any) -> bool:
    """Whether a timeout value means none: missing, or zero in any unit.

    >>> _disabled("0"), _disabled("30s"), _disabled(None), _disabled("0ms")
    (True, False, True, True)
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return True
    digits = "".join(ch for ch in str(value) if ch.isdigit() or ch == ".")
    return digits == "" or float(digits) == 0


def _timeout_finding(roles: list[str], database: Any) -> Finding:
    """The finding listing the roles without timeouts, with the ALTER ROLE statements."""
    fix_sql = "\n".join(f"ALTER ROLE {quote_ident(role)} SET {name} = '{value}';"
                        for role in roles for name, value in zip(TIMEOUTS, ("30s", "60s")))
    return Finding(
        check=SettingsRisk.id,
        severity="low",
        title=(f"{len(roles)} application role(s) run without statement_timeout or idle_in_transaction_session_timeout"
               f": {', '.join(roles[:5])}{' …' if len(roles) > 5 else ''}"),
        object=ObjectRef(),
        recommendation=("Give each application role limits that fit its work (a web request: seconds; a report: "
                        "minutes), so a runaway query or a forgotten transaction fails alone instead of holding "
                        f"locks and vacuum back for everyone. Values as seen from database {database}; a "
                        "statement_timeout set server-wide in postgresql.conf is hidden from pgdiag, whose sessions "
                        "set their own."),
        evidence={"roles": roles},
        fix_sql=fix_sql,
        fingerprint=keyed_fingerprint(SettingsRisk.id, "timeouts"),
    )
