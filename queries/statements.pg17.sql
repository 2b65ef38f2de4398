-- statements: pg_stat_statements entries (PostgreSQL 17+: blk_*_time renamed shared_blk_*_time).
-- Placeholders: {pgss_schema} (schema of the extension), {all_databases} (boolean).
-- Columns: as statements.sql (shared_blk_read_time is reported as blk_read_time; stats_since is the
-- time the entry started counting, which moves when it is evicted or reset on its own).
SELECT s.userid, s.dbid, s.toplevel, s.queryid::text AS queryid, s.query,
       r.rolname AS username, d.datname AS database,
       s.calls, s.total_exec_time, s.mean_exec_time, s.min_exec_time, s.max_exec_time,
       s.stddev_exec_time, s.total_plan_time, s.rows,
       s.shared_blks_hit, s.shared_blks_read, s.shared_blks_dirtied, s.shared_blks_written,
       s.temp_blks_read, s.temp_blks_written,
       s.shared_blk_read_time AS blk_read_time, s.shared_blk_write_time AS blk_write_time, s.stats_since
FROM {pgss_schema}.pg_stat_statements(true) s
LEFT JOIN pg_roles r ON r.oid = s.userid
LEFT JOIN pg_database d ON d.oid = s.dbid
WHERE ({all_databases} OR d.datname = current_database())
  AND (s.query IS NULL OR strpos(s.query, '/* pgdiag */') = 0)
