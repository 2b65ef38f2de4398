-- lock_waits: every lock a session is waiting for, what it is on, and who blocks it.
-- PostgreSQL 14+: wait_start is when the session began to wait (pg_locks.waitstart).
-- Columns: pid, locktype, mode, relation_oid, schema, relation (NULL for relations of other databases
-- and for locks on transactions), wait_start, blocked_by (pids), blocker_modes (modes the blockers
-- hold on the same object).
SELECT w.pid, w.locktype, w.mode, w.relation AS relation_oid, n.nspname AS schema, c.relname AS relation,
       w.waitstart AS wait_start,
       pg_blocking_pids(w.pid) AS blocked_by,
       ARRAY(SELECT DISTINCT h.mode FROM pg_locks h
             WHERE h.granted AND h.pid = ANY (pg_blocking_pids(w.pid))
               AND h.locktype = w.locktype
               AND h.database IS NOT DISTINCT FROM w.database
               AND h.relation IS NOT DISTINCT FROM w.relation
               AND h.transactionid IS NOT DISTINCT FROM w.transactionid
             ORDER BY h.mode) AS blocker_modes
FROM pg_locks w
LEFT JOIN pg_class c ON c.oid = w.relation
  AND w.database = (SELECT oid FROM pg_database WHERE datname = current_database())
LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT w.granted
ORDER BY w.pid
