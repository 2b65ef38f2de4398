-- server: one row describing the server, the connected database and the session's role.
-- Columns: server_version, server_version_num, database, current_user, is_superuser,
-- has_read_all_stats, in_recovery, postmaster_start_time, stats_reset, database_bytes, now.
SELECT current_setting('server_version') AS server_version,
       current_setting('server_version_num')::int AS server_version_num,
       current_database() AS database,
       current_user AS current_user,
       r.rolsuper AS is_superuser,
       pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS has_read_all_stats,
       pg_is_in_recovery() AS in_recovery,
       pg_postmaster_start_time() AS postmaster_start_time,
       d.stats_reset AS stats_reset,
       pg_database_size(current_database()) AS database_bytes,
       now() AS now
FROM pg_roles r
LEFT JOIN pg_stat_database d ON d.datname = current_database()
WHERE r.rolname = current_user
