-- explain_volatile_functions: which of the functions a statement calls (directly or in the views it reads)
-- are VOLATILE, so may have side effects a rollback does not undo (pg_terminate_backend, pg_notify,
-- advisory locks, a statistics reset). An unqualified name counts when any schema of the session's path
-- has a volatile function of that name (any overload: the arguments are not resolved).
-- Placeholders: {names} (text[]: names as stored), {schemas} (text[]: the written schema, '' when none).
-- Columns: function (schema.name), one row per volatile function found.
SELECT DISTINCT n.nspname || '.' || p.proname AS function
FROM unnest({names}::text[], {schemas}::text[]) AS c(name, schema)
JOIN pg_proc p ON p.proname = c.name
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.provolatile = 'v'
  AND (n.nspname = c.schema OR (c.schema = '' AND n.nspname = ANY (current_schemas(true))))
ORDER BY 1
