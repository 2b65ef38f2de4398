-- statements: pg_stat_statements entries (PostgreSQL 14-16: toplevel column added).
-- Placeholders: {pgss_schema} (schema of the extension), {all_databases} (boolean).
-- Columns: as statements.sql.
SELECT s.userid, s.dbid, s.toplevel, s.queryid::text AS queryid, s.query,
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
