-- explain_sql_function_bodies: the bodies of user LANGUAGE sql functions a statement reaches, which the
-- planner may inline (and then fold what they call), so their calls are looked up like the statement's own.
-- Placeholders: {oids} (oid[]). Columns: function (schema.name), body (statements pglast can parse).
SELECT p.pronamespace::regnamespace::text || '.' || p.proname AS function, p.prosrc AS body
FROM pg_proc p
WHERE p.oid = ANY ({oids}::oid[])
ORDER BY 1
