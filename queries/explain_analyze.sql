-- explain_analyze: run the statement and return its plan with actual times, rows, buffers, WAL and
-- the non-default planner settings. Always sent inside a transaction pgdiag rolls back.
-- Placeholders: {statement}. Returns one row: the EXPLAIN JSON document.
EXPLAIN (ANALYZE, BUFFERS, SETTINGS, WAL, FORMAT JSON) {statement}
