-- prepare_generic: before PostgreSQL 16, a generic plan comes from a prepared statement planned
-- under plan_cache_mode = force_generic_plan (set by the planner session at connection).
-- Placeholders: {name}, {statement}.
PREPARE {name} AS {statement}
