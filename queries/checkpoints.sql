-- checkpoints: checkpoints started by checkpoint_timeout (timed) and by everything else, mostly WAL
-- reaching max_wal_size (requested), since the statistics reset (PostgreSQL 13: pg_stat_bgwriter;
-- pg_stat_wal arrives in 14, so wal_bytes and wal_since are NULL).
-- Columns: timed, requested, write_ms, sync_ms, buffers_written, stats_reset, wal_bytes, wal_since, now.
SELECT b.checkpoints_timed AS timed, b.checkpoints_req AS requested,
       b.checkpoint_write_time AS write_ms, b.checkpoint_sync_time AS sync_ms,
       b.buffers_checkpoint AS buffers_written, b.stats_reset,
       NULL::numeric AS wal_bytes, NULL::timestamptz AS wal_since, now() AS now
FROM pg_stat_bgwriter b
