-- extensions: extensions available on the server and, where created, in which schema of this database.
-- Columns: name, default_version, installed_version (NULL when not created), schema.
SELECT a.name,
       a.default_version,
       e.extversion AS installed_version,
       n.nspname AS schema
FROM pg_available_extensions a
LEFT JOIN pg_extension e ON e.extname = a.name
LEFT JOIN pg_namespace n ON n.oid = e.extnamespace
ORDER BY a.name
