-- explain_reach_definitions: the SQL texts the server evaluates on the way when a statement reads some
-- relations and casts to some types, so the functions they call can be looked up like the statement's own
-- (pg_depend does not record calls to built-in functions): definitions of the views read, USING
-- expressions of the row-level security policies for SELECT on the tables read, CHECK constraints of the
-- domains cast to (and of the domains those are based on).
-- Policies of a table the statement names itself count when they apply to the current role
-- (row_security_active, the policy's roles); behind a view the view's owner may be another role, so
-- every SELECT policy of the table counts.
-- Placeholders: {names}, {schemas} (text[]: relations, schema '' when unqualified), {direct} (boolean[]:
-- named by the statement itself), {type_names}, {type_schemas} (text[]: types cast to).
-- Columns: kind (view, policy, domain), owner (what the text belongs to), definition (a statement).
WITH RECURSIVE relations AS (
    SELECT c.oid, c.relkind, c.relrowsecurity, n.nspname, c.relname, r.direct
    FROM unnest({names}::text[], {schemas}::text[], {direct}::boolean[]) AS r(name, schema, direct)
    JOIN pg_class c ON c.relname = r.name
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = r.schema OR (r.schema = '' AND n.nspname = ANY (current_schemas(true)))
), domains AS (
    SELECT t.oid, t.typbasetype
    FROM unnest({type_names}::text[], {type_schemas}::text[]) AS d(name, schema)
    JOIN pg_type t ON t.typname = d.name AND t.typtype = 'd'
    JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = d.schema OR (d.schema = '' AND n.nspname = ANY (current_schemas(true)))
    UNION
    SELECT t.oid, t.typbasetype FROM domains d JOIN pg_type t ON t.oid = d.typbasetype AND t.typtype = 'd'
)
SELECT 'view' AS kind, quote_ident(nspname) || '.' || quote_ident(relname) AS owner,
       pg_get_viewdef(oid) AS definition
FROM relations WHERE relkind = 'v'
UNION ALL
SELECT 'policy', quote_ident(p.polname) || ' on ' || quote_ident(r.nspname) || '.' || quote_ident(r.relname),
       'SELECT ' || pg_get_expr(p.polqual, p.polrelid)
FROM relations r
JOIN pg_policy p ON p.polrelid = r.oid
WHERE r.relrowsecurity AND p.polcmd IN ('r', '*') AND p.polqual IS NOT NULL
  AND (NOT r.direct OR (row_security_active(r.oid)
       AND (0 = ANY (p.polroles) OR EXISTS (SELECT FROM unnest(p.polroles) AS role(oid)
                                          WHERE pg_has_role(current_user, role.oid, 'MEMBER')))))
UNION ALL
SELECT 'domain', format_type(d.oid, NULL) || ' ' || quote_ident(c.conname), 'SELECT ' || pg_get_expr(c.conbin, 0)
FROM domains d
JOIN pg_constraint c ON c.contypid = d.oid AND c.contype = 'c'
ORDER BY 1, 2
