-- hypopg_schema: the schema the hypopg extension is installed in, no row when it is not installed.
-- Columns: schema.
SELECT n.nspname AS schema
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'hypopg'
