-- replication_slots: every replication slot with what it holds back: WAL (retained_bytes, from the
-- current WAL position, or the last one received on a standby) and the xmin horizon (xmin_age,
-- catalog_xmin_age). PostgreSQL 13-16: inactive_since is NULL.
-- Columns: slot_name, plugin, slot_type, database, temporary, active, active_pid, xmin_age,
-- catalog_xmin_age, restart_lsn, wal_status, safe_wal_size, retained_bytes, inactive_since.
SELECT s.slot_name, s.plugin, s.slot_type, s.database, s.temporary, s.active, s.active_pid,
       age(s.xmin) AS xmin_age, age(s.catalog_xmin) AS catalog_xmin_age,
       s.restart_lsn::text AS restart_lsn, s.wal_status, s.safe_wal_size,
       pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END,
                       s.restart_lsn)::bigint AS retained_bytes,
       NULL::timestamptz AS inactive_since
FROM pg_replication_slots s
ORDER BY s.slot_name
