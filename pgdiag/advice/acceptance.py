"""The acceptance rule of index advice: when a statement's cost evidence earns an index (docs/index-advice.md).

Two tests, both needed:

1. **The planner would use it, and it halves the statement's cost**: the plan with the (hypothetical or
   estimated) index reads it, and its total cost is at most 1/``min_factor`` of the plan without (Dexter's
   bar: ``min_factor`` = 2). The planner's cost is a model; halving it is a change the model is sure of.
2. **The time it saves outweighs the time it costs**: the statements' time saved per second of the
   workload (each one's total time × the share of its cost the index removes) is at least what keeping the
   index up costs per second: every row inserted, updated other than HOT, or deleted (vacuum removes its
   entry) writes one index entry, `ENTRY_MS` each (measured on PostgreSQL 15, docs/index-advice.md).

Rates, not totals: pg_stat_statements and the table statistics may have been reset at different times, so
each total is divided by its own period. The write rate is trusted only once the table statistics cover
`TRUSTED_PERIOD` (a day): younger, the load that filled the tables dominates it, and the second test is not
applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Sequence

from pgdiag.core.lazy import pandas as pd

from pgdiag.advice.costing import StatementCost
from pgdiag.core.snapshot import Snapshot

TRUSTED_PERIOD = timedelta(days=1)
ENTRY_MS = 0.003
"""Time to write one btree index entry: 200,000 rows inserted into a table took 0.43 s with no index,
0.93 s with one and 1.53 s with two on this project's PostgreSQL 15 (2.5–3 µs per entry)."""


@dataclass(frozen=True)
class Upkeep:
    """What one more index on a table costs: index entries written per second, and the statements' period."""

    entries_per_s: float
    statements_s: float

    @property
    def ms_per_s(self) -> float:
        """Milliseconds per second spent maintaining one more index."""
        return self.entries_per_s * ENTRY_MS


def accepted(costs: Sequence[StatementCost], min_factor: float, upkeep: Upkeep | None) -> list[StatementCost]:
    """The statements that earn the index: those whose plan uses it at no more than 1/`min_factor` of the
    cost, provided together they save more time than `upkeep` costs; empty when they do not."""
    helped = [c for c in costs if c.uses_index and c.factor >= min_factor]
    if not helped or upkeep is None:
        return helped
    saved_ms = sum(c.statement.total_ms * (1 - c.cost_after / c.cost_before) for c in helped if c.cost_before > 0)
    return helped if saved_ms / upkeep.statements_s >= upkeep.ms_per_s else []


def upkeep(snapshot: Snapshot, schema: str, table: str) -> Upkeep | None:
    """The upkeep of one more index on `schema`.`table`; None when the periods or the table's writes are unknown,
    or the table statistics are younger than `TRUSTED_PERIOD`."""
    server = snapshot.frame("server")
    counters = snapshot.derived("advice_table_writes", _table_writes).get((schema, table))
    if server.empty or counters is None:
        return None
    inserted, updated, hot, deleted = counters
    now = server["now"].iloc[0]
    started = server["postmaster_start_time"].iloc[0]
    tables_since = server["stats_reset"].iloc[0] if not pd.isna(server["stats_reset"].iloc[0]) else started
    if now - tables_since < TRUSTED_PERIOD:
        return None
    statements_since = _statements_reset(snapshot, started)
    table_s, statements_s = _seconds(now - tables_since), _seconds(now - statements_since)
    return Upkeep((inserted + updated - hot + deleted) / table_s, statements_s)


def _table_writes(snapshot: Snapshot) -> dict[tuple[str, str], tuple[float, float, float, float]]:
    """Each table's rows inserted, updated, HOT-updated and deleted, built once per snapshot (a table whose
    counters were not read is left out)."""
    tables = snapshot.frame("tables")
    if tables.empty or "n_tup_ins" not in tables:
        return {}
    writes = {}
    for schema, table, *counters in zip(tables["schema"], tables["table"], tables["n_tup_ins"], tables["n_tup_upd"],
                                        tables["n_tup_hot_upd"], tables["n_tup_del"]):
        if not any(pd.isna(c) for c in counters):
            writes.setdefault((schema, table), tuple(float(c) for c in counters))
    return writes


def _statements_reset(snapshot: Snapshot, started: pd.Timestamp) -> pd.Timestamp:
    """When pg_stat_statements began counting: its reset (PostgreSQL 14+), else the server's start."""
    info = snapshot.frame("statements_info")
    if not info.empty and "stats_reset" in info and not pd.isna(info["stats_reset"].iloc[0]):
        return info["stats_reset"].iloc[0]
    return started


def _seconds(period: pd.Timedelta) -> float:
    """A period in seconds, at least one (clocks and resets within the same second)."""
    return max(period.total_seconds(), 1.0)
