-- checkpoints: checkpoints started by checkpoint_timeout (timed) and by everything else, mostly WAL
-- reaching max_wal_size (requested), since the statistics reset (PostgreSQL 17+: pg_stat_checkpointer),
-- and the WAL written since pg_stat_wal's own reset (wal_since), for the rate of WAL.
-- Columns: timed, requested, write_ms, sync_ms, buffers_written, stats_reset, wal_bytes, wal_since, now.
SELECT c.num_timed AS timed, c.num_requested AS requested,
       c.write_time AS write_ms, c.sync_time AS sync_ms,
       c.buffers_written, c.stats_reset,
       w.wal_bytes, w.stats_reset AS wal_since, now() AS now
FROM pg_stat_checkpointer c, pg_stat_wal w
