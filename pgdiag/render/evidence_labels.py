"""Evidence for people: the JSON keeps its stable snake_case keys and codes (``stats_since_exact``,
``update_target``); the HTML report shows them as words a DBA reads without the contract at hand."""

from __future__ import annotations

from typing import Any

KEY_LABELS = {
    "blocks_per_call": "buffers touched per call",
    "calls": "calls",
    "calls_all_tables": "calls (all tables)",
    "capped_at_table_rows": "cut to the table's rows",
    "child_rows": "rows in the child table",
    "cost_after": "planner cost with the index",
    "cost_before": "planner cost now",
    "counted_since": "figures counted since",
    "days_since_analyze": "days since the last analyze",
    "days_since_vacuum": "days since the last vacuum",
    "dead_percent": "dead rows",
    "detail": "how it was measured",
    "estimated_waste_bytes": "estimated waste",
    "idx_scan": "index scans",
    "index_bytes": "index size",
    "inferred": "inferred (not a visible constant)",
    "kept_idx_scan": "scans of the index kept",
    "kept_index": "index kept",
    "mean_ms": "mean per call",
    "n_dead_tup": "dead rows",
    "n_live_tup": "live rows",
    "offset": "rows skipped per call",
    "predicate": "condition to add",
    "queryid": "queryid",
    "queryids": "queryids (one statement, several entries)",
    "reason": "why",
    "references": "references without a tenant condition",
    "role": "used as",
    "rows_all_tables": "rows (all tables)",
    "rows_per_block": "rows per block read",
    "rows_per_call": "rows per call",
    "row_level_security": "row-level security",
    "rules": "fired by",
    "share_percent": "share of statement time",
    "shared_blks_hit": "buffers found in shared buffers",
    "shared_blks_read": "buffers read from disk",
    "stats_age_days": "statistics age (days)",
    "stats_since": "statistics counted since",
    "stats_since_exact": "statistics start known exactly",
    "statement_roles": "roles that ran it",
    "table_rows": "rows in the table",
    "tables": "tables",
    "temp_blks_written": "temporary blocks written",
    "tenant_column": "tenant column",
    "total_ms": "total time",
    "total_ms_all_tables": "total time (all tables)",
    "used_percent": "range used",
    "via": "joined through",
}

VALUE_LABELS = {
    "role": {"read": "read", "insert_target": "INSERT target", "update_target": "UPDATE target",
             "delete_target": "DELETE target", "merge_target": "MERGE target"},
    "reason": {"missing": "no tenant condition and no foreign-key join to a filtered table",
               "or": "tenant condition under OR or NOT", "neq": "tenant column compared with <>",
               "outer_join": "preserved side of an outer join", "unproven": "tenant value not tied to one tenant"},
    "rules": {"mean": "mean time per call", "share": "share of statement time"},
}


def key_label(key: str) -> str:
    """The words for an evidence key: a known label, else the key with its underscores as spaces.

    >>> key_label("stats_since_exact"), key_label("some_new_key")
    ('statistics start known exactly', 'some new key')
    """
    return KEY_LABELS.get(key, key.replace("_", " "))


def value_label(key: str, value: Any) -> Any:
    """The words for a coded evidence value (a reference's role or reason); any other value unchanged.

    >>> value_label("role", "update_target"), value_label("reason", "missing")[:14], value_label("calls", 3)
    ('UPDATE target', 'no tenant cond', 3)
    """
    return VALUE_LABELS.get(key, {}).get(value, value) if isinstance(value, str) else value
