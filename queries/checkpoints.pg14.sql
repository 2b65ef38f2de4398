-- checkpoints: checkpoints started by checkpoint_timeout (timed) and by everything else, mostly WAL
-- reaching max_wal_size (requested), since the statistics reset (PostgreSQL 14-16: pg_stat_bgwriter),
-- and the WAL written since pg_stat_wal's own reset (wal_since), for the rate of WAL.
-- Columns: timed, requested, write_ms, sync_ms, buffers_written, stats_reset, wal_bytes, wal_since, now.
SELECT b.checkpoints_timed AS timed, b.checkpoints_req AS requested,
       b.checkpoint_write_time AS write_ms, b.checkpoint_sync_time AS sync_ms,
       b.buffers_checkpoint AS buffers_written, b.stats_reset,
       w.wal_bytes, w.stats_reset AS wal_since, now() AS now
FROM pg_stat_bgwriter b, pg_stat_wal w
