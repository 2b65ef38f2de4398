"""Which functions EXPLAIN ANALYZE may call without ``--allow-writes``, and which even planning may not.

EXPLAIN ANALYZE runs the statement in a read-only transaction that is rolled back: that stops writes to
tables, not what a function does outside the transaction — ``pg_terminate_backend`` ends a session,
``pg_notify`` and advisory locks reach other sessions, ``pg_stat_statements_reset`` empties the statistics
of the whole server, dblink commits in another session, ``txid_current`` consumes a transaction id. So
the model is an allow-list: only a built-in function (oid below FirstNormalObjectId, schema
``pg_catalog`` or ``information_schema``: what initdb creates) that is side-effect free may run.
Built-in functions PostgreSQL labels IMMUTABLE or STABLE are (its labels are reviewed with the server's
code), except the few in `LABEL_NOT_TRUSTED`; of the VOLATILE ones only those in `VOLATILE_ALLOWED`.
A user or extension function is never trusted, whatever its label says: a label is a promise its author
made to the planner, not a proof.

Planning alone is not free of calls either: the planner evaluates IMMUTABLE functions with constant
arguments (constant folding) and STABLE ones too when estimating selectivity (``WHERE a = f(5)``), and
inlines SQL functions, folding what their bodies call. So a statement that reaches a user function
labelled IMMUTABLE or STABLE, or a built-in in `LABEL_NOT_TRUSTED`, is not even planned unless the user
passes ``--allow-writes``. VOLATILE functions are never called by the planner.
"""

from __future__ import annotations

from dataclasses import dataclass

# Built-ins labelled STABLE that have effects or run arbitrary queries: assign a transaction id, or read
# any table or view (whose functions then run) through an SQL text or a name.
LABEL_NOT_TRUSTED = frozenset({
    "txid_current", "pg_current_xact_id",
    "table_to_xml", "table_to_xmlschema", "table_to_xml_and_xmlschema",
    "schema_to_xml", "schema_to_xmlschema", "schema_to_xml_and_xmlschema",
    "database_to_xml", "database_to_xmlschema", "database_to_xml_and_xmlschema",
})

# VOLATILE built-ins that only compute a value, wait, or read server state, and leave nothing behind.
VOLATILE_ALLOWED = frozenset({
    # values
    "random", "random_normal", "clock_timestamp", "timeofday", "gen_random_uuid", "uuidv4", "uuidv7",
    "array_sample", "array_shuffle",
    # waits
    "pg_sleep", "pg_sleep_for", "pg_sleep_until",
    # sizes and server state, read only
    "pg_relation_size", "pg_table_size", "pg_indexes_size", "pg_total_relation_size", "pg_database_size",
    "pg_tablespace_size", "pg_is_in_recovery", "pg_current_wal_lsn", "pg_current_wal_insert_lsn",
    "pg_current_wal_flush_lsn", "pg_last_wal_receive_lsn", "pg_last_wal_replay_lsn",
    "pg_last_xact_replay_timestamp", "pg_is_wal_replay_paused", "pg_get_wal_replay_pause_state",
    "pg_blocking_pids", "pg_safe_snapshot_blocking_pids", "pg_lock_status", "pg_notification_queue_usage",
    "pg_jit_available", "pg_partition_tree", "pg_partition_ancestors", "pg_xact_status",
    "pg_xact_commit_timestamp", "pg_last_committed_xact", "current_query", "currval", "lastval",
    "pg_sequence_last_value", "pg_control_checkpoint", "pg_control_system", "pg_control_init",
    "pg_control_recovery",
})


@dataclass(frozen=True)
class ReachedFunction:
    """A function the server may call for the statement: schema.name, how it is reached, whether it is
    built in, its volatility label (``i``, ``s``, ``v``) and whether it is an aggregate."""

    name: str
    via: str
    builtin: bool
    volatility: str
    aggregate: bool = False

    @property
    def short_name(self) -> str:
        """The name without its schema."""
        return self.name.rsplit(".", 1)[-1]

    def describe(self) -> str:
        """``schema.name (how it is reached)`` for messages."""
        return self.name if self.via == "called" else f"{self.name} ({self.via})"


def may_run(function: ReachedFunction) -> bool:
    """Whether EXPLAIN ANALYZE may call `function` without ``--allow-writes`` (see the module docstring).

    >>> may_run(ReachedFunction("pg_catalog.lower", "called", True, "i"))
    True
    >>> may_run(ReachedFunction("public.lower", "called", False, "i"))
    False
    >>> may_run(ReachedFunction("pg_catalog.txid_current", "called", True, "s"))
    False
    """
    if not function.builtin:
        return False
    if function.volatility == "v":
        return function.short_name in VOLATILE_ALLOWED
    return function.short_name not in LABEL_NOT_TRUSTED


def may_plan(function: ReachedFunction) -> bool:
    """Whether planning a statement that reaches `function` cannot call it with effects: VOLATILE functions
    and aggregates (whose support functions are judged on their own) are never evaluated by the planner,
    built-ins only when their label is trusted.

    >>> user = ReachedFunction("public.f", "called", False, "v")
    >>> may_plan(user), may_plan(ReachedFunction("public.f", "called", False, "s"))
    (True, False)
    """
    if function.volatility == "v" or function.aggregate:
        return True
    return function.builtin and function.short_name not in LABEL_NOT_TRUSTED
