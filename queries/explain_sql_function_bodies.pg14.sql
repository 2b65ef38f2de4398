-- explain_sql_function_bodies: the bodies of user LANGUAGE sql functions a statement reaches, which the
-- planner may inline; from PostgreSQL 14 a BEGIN ATOMIC body is deparsed into the CREATE FUNCTION statement
-- it parses in. Placeholders: {oids} (oid[]). Columns: function (schema.name), body.
SELECT p.pronamespace::regnamespace::text || '.' || p.proname AS function,
       coalesce('CREATE FUNCTION body() RETURNS void LANGUAGE sql ' || pg_get_function_sqlbody(p.oid), p.prosrc) AS body
FROM pg_proc p
WHERE p.oid = ANY ({oids}::oid[])
ORDER BY 1
