"""The report summary's top actions: findings ranked by an estimated gain read from their evidence.

A DBA with an hour to spare wants the few changes that pay off most. Severity says how bad a problem
is; the gain says how much of the database it touches. Each finding's gain is measured in the unit
its check deals in (statement time, bytes, rows, a sequence's range) and taken as a share of the
whole it belongs to, so different units can be ranked together. The rule is documented in
docs/report.md; keep the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real
from typing import Any, Callable, Literal, Sequence

import pandas as pd

from pgdiag.core.findings import Finding, severity_rank
from pgdiag.core.snapshot import Snapshot

TOP_ACTIONS = 5

GainKind = Literal["time", "space", "rows", "range", "none"]


@dataclass(frozen=True)
class Gain:
    """What fixing a finding is worth: an amount in the kind's unit (ms, bytes, rows, % of a range),
    what that amount counts, and its share (0–1) of the whole of its kind."""

    kind: GainKind
    amount: float
    share: float
    what: str


@dataclass(frozen=True)
class Action:
    """One thing to do: the finding that says how (the one with a fix, else the worst), the worst
    severity among the findings it settles (what the action is ranked by; the report shows the leading
    finding's own severity, so a finding has one severity everywhere), its gain, and the checks of the other
    findings it settles."""

    finding: Finding
    severity: str
    gain: Gain | None
    also: tuple[str, ...]


@dataclass(frozen=True)
class Wholes:
    """What gains are shares of: all top-level statement time, the database's size, all live rows."""

    statement_ms: float
    database_bytes: float
    live_rows: float

    @classmethod
    def of(cls, snapshot: Snapshot) -> Wholes:
        """The wholes of `snapshot` (0 where its collector did not run)."""
        statements, server, tables = snapshot.frame("statements"), snapshot.frame("server"), snapshot.frame("tables")
        statement_ms = 0.0
        if not statements.empty:
            statement_ms = float(statements.loc[statements["toplevel"].astype(bool), "total_exec_time"].sum())
        database_bytes = 0.0 if server.empty else _number(server["database_bytes"].iloc[0]) or 0.0
        live_rows = 0.0 if tables.empty else float(tables["n_live_tup"].sum())
        return cls(statement_ms, database_bytes, live_rows)


def _evidence(key: str) -> Callable[[Finding], Any]:
    """A reader of the evidence value `key`."""
    return lambda finding: (finding.evidence or {}).get(key)


def _query(key: str) -> Callable[[Finding], Any]:
    """A reader of the statement figure `key` (total_ms, rows…)."""
    return lambda finding: getattr(finding.query, key) if finding.query is not None else None


def _unmeasured(finding: Finding) -> None:
    """For checks whose findings have no amount to weigh (a session, a lock queue, a constraint): severity
    alone ranks them, after the findings of their severity that have one."""
    return None


def _per_call(key: str) -> Callable[[Finding], Any]:
    """A reader of the statement figure `key` per call: rows summed over calls are no share of the live rows
    (40 calls returning a 2,000-row table's rows are not 40 × 2,000 rows at risk)."""
    def read(finding: Finding) -> Any:
        query = finding.query
        if query is None or not query.calls or query.rows is None:
            return None
        return query.rows / query.calls
    return read


# check id → (kind, where the amount is, what it counts)
GAIN_RULES: dict[str, tuple[GainKind, Callable[[Finding], Any], str]] = {
    "slow_query": ("time", _query("total_ms"), "of statement time"),
    "missing_index": ("time", _evidence("total_ms"), "of statement time the index serves"),
    "n_plus_one": ("time", _query("total_ms"), "of statement time in repeated calls"),
    "unpaginated": ("time", _query("total_ms"), "of statement time"),
    "large_offset": ("time", _query("total_ms"), "of statement time"),
    "unused_index": ("space", _evidence("index_bytes"), "of index space freed"),
    "duplicate_index": ("space", _evidence("index_bytes"), "of index space freed"),
    "redundant_index": ("space", _evidence("index_bytes"), "of index space freed"),
    "invalid_index": ("space", _evidence("index_bytes"), "of index to rebuild"),
    "table_bloat": ("space", _evidence("estimated_waste_bytes"), "wasted by dead rows or bloat"),
    "vacuum_overdue": ("rows", _evidence("n_dead_tup"), "dead rows"),
    "tenant_unfiltered": ("rows", _per_call("rows"), "rows per call read or written across tenants"),
    "soft_delete_unfiltered": ("rows", _per_call("rows"), "rows per call returned, deleted ones included"),
    "tenant_index_missing": ("rows", _evidence("rows"), "rows each tenant's query reads"),
    "missing_fk_index": ("rows", _evidence("child_rows"), "rows scanned per parent delete"),
    "no_primary_key": ("rows", _evidence("n_live_tup"), "rows without a key"),
    "sequence_exhaustion": ("range", _evidence("used_percent"), "of its range used"),
    "xid_wraparound": ("range", _evidence("used_percent"), "of the transaction ID range used"),
    "vacuum_blocked": ("range", _evidence("used_percent"), "of the transaction ID range held back"),
    "temp_spill": ("time", _query("total_ms"), "of statement time"),
    "replication_slot_risk": ("space", _evidence("retained_bytes"), "of WAL retained"),
    "index_bloat": ("space", _evidence("bloat_bytes"), "of index bloat freed"),
    "long_transaction": ("none", _unmeasured, "nothing measurable"),
    "blocking_locks": ("none", _unmeasured, "nothing measurable"),
    "constraint_not_validated": ("none", _unmeasured, "nothing measurable"),
    "connection_saturation": ("none", _unmeasured, "nothing measurable"),
    "collation_mismatch": ("none", _unmeasured, "nothing measurable"),
    "checkpoint_pressure": ("none", _unmeasured, "nothing measurable"),
    "version_support": ("none", _unmeasured, "nothing measurable"),
    "replication_lag": ("none", _unmeasured, "nothing measurable"),
    "settings_risk": ("none", _unmeasured, "nothing measurable"),
}


def gain(finding: Finding, wholes: Wholes) -> Gain | None:
    """The gain of fixing `finding`, or None when its check has no rule or its evidence lacks the amount."""
    rule = GAIN_RULES.get(finding.check)
    if rule is None:
        return None
    kind, read, what = rule
    amount = _number(read(finding))
    if amount is None:
        return None
    whole = {"time": wholes.statement_ms, "space": wholes.database_bytes, "rows": wholes.live_rows,
             "range": 100.0}[kind]
    share = min(amount / whole, 1.0) if whole > 0 else 0.0
    return Gain(kind, amount, share, what)


def top_actions(findings: Sequence[Finding], wholes: Wholes, limit: int = TOP_ACTIONS) -> list[Action]:
    """The `limit` best actions: findings about one statement settled together, ranked by worst
    severity, then by the share of the gain, then by its amount. A finding another finding's fix settles
    (``settled_by``) is no action of its own."""
    groups: dict[tuple[str, str], list[Finding]] = {}
    for finding in (f for f in findings if f.settled_by is None):
        queryid = finding.query.queryid if finding.query is not None else None
        groups.setdefault(("statement", queryid) if queryid else ("finding", finding.fingerprint), []).append(finding)
    actions = [_action(group, wholes) for group in groups.values()]
    actions.sort(key=lambda a: (severity_rank(a.severity), -_share(a.gain), -(a.gain.amount if a.gain else 0.0)))
    return actions[:limit]


def _action(group: list[Finding], wholes: Wholes) -> Action:
    """The action for findings about one statement: led by the finding with a fix, else the worst one."""
    gains = {id(f): gain(f, wholes) for f in group}
    lead = min(group, key=lambda f: (f.fix_sql is None, severity_rank(f.severity), -_share(gains[id(f)])))
    others = tuple(dict.fromkeys(f.check for f in group if f is not lead))
    return Action(lead, min((f.severity for f in group), key=severity_rank), gains[id(lead)], others)


def _share(value: Gain | None) -> float:
    """The share of a gain, 0 for none (ranks after every measured gain)."""
    return value.share if value is not None else 0.0


def _number(value: Any) -> float | None:
    """`value` as a float, None when missing, not a number or NaN."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    return None if pd.isna(value) else float(value)
