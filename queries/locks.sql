-- locks: relations of this database held or requested in ACCESS EXCLUSIVE mode right now
-- (their sizes are not read).
-- Columns: relation_oid, schema, relation, pid, granted.
SELECT l.relation AS relation_oid, n.nspname AS schema, c.relname AS relation, l.pid, l.granted
FROM pg_locks l
JOIN pg_class c ON c.oid = l.relation
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE l.locktype = 'relation'
  AND l.mode = 'AccessExclusiveLock'
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY n.nspname, c.relname
