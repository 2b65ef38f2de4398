-- explain_plain: the plan of the statement without running it (plain EXPLAIN), with planning buffers
-- and the non-default planner settings. Placeholders: {statement}.
-- Returns one row: the EXPLAIN JSON document.
EXPLAIN (BUFFERS, SETTINGS, FORMAT JSON) {statement}
