-- statements: pg_stat_statements entries (PostgreSQL 13: no toplevel column, every entry is top level).
-- Placeholders: {pgss_schema} (schema of the extension), {all_databases} (boolean).
-- Columns: userid, dbid, toplevel, queryid (text: a 64-bit id, NULL when hidden), query, username, database, calls, total_exec_time,
-- mean_exec_time, min_exec_time, max_exec_time, stddev_exec_time, total_plan_time, rows,
-- shared_blks_hit, shared_blks_read, shared_blks_dirtied, shared_blks_written,
-- temp_blks_read, temp_blks_written, blk_read_time, blk_write_time, stats_since (when the entry started
-- counting; PostgreSQL 17+, NULL before). Times in milliseconds.
SELECT s.userid, s.dbid, true AS toplevel, s.queryid::text AS queryid, s.query,
       r.rolname AS username, d.datname AS database,
       s.calls, s.total_exec_time, s.mean_exec_time, s.min_exec_time, s.max_exec_time,
       s.stddev_exec_time, s.total_plan_time, s.rows,
       s.shared_blks_hit, s.shared_blks_read, s.shared_blks_dirtied, s.shared_blks_written,
       s.temp_blks_read, s.temp_blks_written,
       s.blk_read_time, s.blk_write_time, NULL::timestamptz AS stats_since
FROM {pgss_schema}.pg_stat_statements(true) s
LEFT JOIN pg_roles r ON r.oid = s.userid
LEFT JOIN pg_database d ON d.oid = s.dbid
WHERE ({all_databases} OR d.datname = current_database())
  AND (s.query IS NULL OR strpos(s.query, '/* pgdiag */') = 0)
