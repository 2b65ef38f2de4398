-- hypopg_schema: the schema the hypopg extension is installed in, no row when it is not installed.
-- Columns: schema, version.
SELECT n.nspname AS schema, e.extversion AS version
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'hypopg'
