-- columns: every column of user tables, views and materialized views, in column order.
-- Columns: schema, table, column, position, type (as format_type prints it), not_null.
-- Statement analysis resolves unqualified column names with it; tenant analysis finds the
-- tenant and soft-delete columns.
SELECT n.nspname AS schema, c.relname AS table, a.attname::text AS column, a.attnum AS position,
       format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND a.attnum > 0 AND NOT a.attisdropped
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY n.nspname, c.relname, a.attnum
