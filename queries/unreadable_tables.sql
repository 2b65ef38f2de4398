-- unreadable_tables: the tables, views and materialized views of user schemas that the session's role may not
-- SELECT from (the what-if planner is refused on them, and so is EXPLAIN).
-- Columns: schema, table, role (the session's current_user).
SELECT n.nspname AS schema, c.relname AS table, current_user AS role
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%'
  AND NOT has_table_privilege(c.oid, 'SELECT')
ORDER BY 1, 2
