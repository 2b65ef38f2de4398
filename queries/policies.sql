-- policies: row-level security of user tables: one row per policy of every table that has row-level
-- security enabled or a policy, and one row with NULL policy columns for a table with RLS enabled and no
-- policy (it shows no row to roles subject to RLS).
-- For a table held or requested in ACCESS EXCLUSIVE mode (locked = true), using_expr and check_expr are
-- NULL: pg_get_expr would wait for that lock.
-- Columns: table_oid, schema, table, rls_enabled, rls_forced (FORCE ROW LEVEL SECURITY: the owner is
-- subject to it too), owner, locked, policy, command (r = SELECT, a = INSERT, w = UPDATE, d = DELETE,
-- * = ALL), permissive (false for AS RESTRICTIVE), roles (role names, "public" for every role),
-- using_expr, check_expr.
WITH locked AS (
    SELECT DISTINCT l.relation AS oid
    FROM pg_locks l
    WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
)
SELECT c.oid AS table_oid, n.nspname AS schema, c.relname AS table,
       c.relrowsecurity AS rls_enabled, c.relforcerowsecurity AS rls_forced,
       pg_get_userbyid(c.relowner)::text AS owner,
       c.oid IN (SELECT oid FROM locked) AS locked,
       p.polname::text AS policy, p.polcmd::text AS command, p.polpermissive AS permissive,
       CASE WHEN p.oid IS NOT NULL THEN
           ARRAY(SELECT CASE WHEN r.role = 0 THEN 'public' ELSE pg_get_userbyid(r.role)::text END
                 FROM unnest(p.polroles) AS r(role))
       END AS roles,
       CASE WHEN c.oid IN (SELECT oid FROM locked) THEN NULL ELSE pg_get_expr(p.polqual, p.polrelid) END AS using_expr,
       CASE WHEN c.oid IN (SELECT oid FROM locked) THEN NULL
            ELSE pg_get_expr(p.polwithcheck, p.polrelid) END AS check_expr
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_policy p ON p.polrelid = c.oid
WHERE c.relkind IN ('r', 'p')
  AND (c.relrowsecurity OR p.oid IS NOT NULL)
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY n.nspname, c.relname, p.polname
