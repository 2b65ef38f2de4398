-- unvalidated_constraints: CHECK and FOREIGN KEY constraints of this database created NOT VALID and never
-- validated (existing rows were not checked), on tables outside the system schemas.
-- Columns: schema, table, constraint, type (c or f), definition, table_pages.
SELECT n.nspname AS schema, c.relname AS table, con.conname AS constraint, con.contype AS type,
       pg_get_constraintdef(con.oid) AS definition, c.relpages AS table_pages
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT con.convalidated
  AND con.contype IN ('c', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%'
ORDER BY n.nspname, c.relname, con.conname
