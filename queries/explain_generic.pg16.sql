-- explain_generic: the generic plan (parameters unknown) of a statement with $n parameters, PostgreSQL 16+.
-- Placeholders: {statement}. Returns one row: the EXPLAIN JSON document.
EXPLAIN (GENERIC_PLAN, FORMAT JSON) {statement}
