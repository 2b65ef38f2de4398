-- activity: every other client session of the server (all databases), what it does and since when.
-- pgdiag's own session is left out. Without pg_read_all_stats, other roles' query texts read
-- '<insufficient privilege>'. Ages are in transaction IDs (NULL without an xid or snapshot).
-- Columns: pid, database, username, application_name, client_addr, backend_type, state,
-- wait_event_type, wait_event, backend_start, xact_start, query_start, state_change, now,
-- xid_age, xmin_age, query, blocked_by (pids, from pg_blocking_pids, only for sessions waiting on a lock).
SELECT a.pid, a.datname AS database, a.usename AS username, a.application_name,
       host(a.client_addr) AS client_addr, a.backend_type, a.state, a.wait_event_type, a.wait_event,
       a.backend_start, a.xact_start, a.query_start, a.state_change, now() AS now,
       age(a.backend_xid) AS xid_age, age(a.backend_xmin) AS xmin_age,
       left(a.query, 4000) AS query,
       CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) END AS blocked_by
FROM pg_stat_activity a
WHERE a.pid <> pg_backend_pid()
ORDER BY a.pid
