-- explain_plain_generic: the generic plan (parameters unknown) of a statement with $n parameters and
-- no values, without running it; PostgreSQL 16+ (before 16 pgdiag prepares the statement under
-- plan_cache_mode = force_generic_plan). Placeholders: {statement}.
-- Returns one row: the EXPLAIN JSON document.
EXPLAIN (GENERIC_PLAN, BUFFERS, SETTINGS, FORMAT JSON) {statement}
