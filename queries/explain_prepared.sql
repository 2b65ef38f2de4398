-- explain_prepared: the plan of a prepared statement executed with every parameter NULL
-- (a generic plan does not look at parameter values). Placeholders: {name}, {params}.
-- Returns one row: the EXPLAIN JSON document.
EXPLAIN (FORMAT JSON) EXECUTE {name} {params}
