-- database_stats: the connected database's cumulative counters since its statistics reset.
-- Columns: database, numbackends, xact_commit, xact_rollback, blks_hit, blks_read, temp_files,
-- temp_bytes, deadlocks, stats_reset.
SELECT d.datname AS database, d.numbackends, d.xact_commit, d.xact_rollback, d.blks_hit, d.blks_read,
       d.temp_files, d.temp_bytes, d.deadlocks, d.stats_reset
FROM pg_stat_database d
WHERE d.datname = current_database()
