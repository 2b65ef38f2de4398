-- replication: the standbys (and other WAL receivers) streaming from this server, with how far behind
-- they are in bytes (from the current WAL position) and in seconds. Without pg_read_all_stats
-- (or superuser) most columns of other roles' senders are NULL.
-- Columns: pid, username, application_name, client_addr, state, sync_state, sent_lsn, replay_lsn,
-- send_lag_bytes, replay_lag_bytes, write_lag_seconds, flush_lag_seconds, replay_lag_seconds,
-- xmin_age (set when the standby runs with hot_standby_feedback), reply_time.
SELECT r.pid, r.usename AS username, r.application_name, host(r.client_addr) AS client_addr, r.state,
       r.sync_state, r.sent_lsn::text AS sent_lsn, r.replay_lsn::text AS replay_lsn,
       pg_wal_lsn_diff(pg_current_wal_lsn(), r.sent_lsn)::bigint AS send_lag_bytes,
       pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::bigint AS replay_lag_bytes,
       extract(epoch FROM r.write_lag)::float8 AS write_lag_seconds,
       extract(epoch FROM r.flush_lag)::float8 AS flush_lag_seconds,
       extract(epoch FROM r.replay_lag)::float8 AS replay_lag_seconds,
       age(r.backend_xmin) AS xmin_age, r.reply_time
FROM pg_stat_replication r
WHERE NOT pg_is_in_recovery()
ORDER BY r.application_name, r.pid
