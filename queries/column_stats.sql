-- column_stats: planner statistics per column of user tables (only columns the role may read).
-- Columns: schema, table, column, null_frac, n_distinct (negative: a fraction of the rows),
-- correlation, avg_width.
SELECT schemaname AS schema, tablename AS table, attname::text AS column,
       null_frac::float8 AS null_frac, n_distinct::float8 AS n_distinct,
       correlation::float8 AS correlation, avg_width
FROM pg_stats
WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
  AND schemaname !~ '^pg_(toast|temp_)'
ORDER BY schemaname, tablename, attname
