-- select_snapshot: snapshot :id: the summary columns, then frames, checks_ran and not_run.
SELECT v.id, v.target_key, v.target_name, v.dsn, v.database, v.server_version, v.collected_at, v.stored_at,
       v.pgdiag_version, v.critical, v.high, v.medium, v.low, v.info, s.frames, s.checks_ran, s.not_run
FROM snapshot_summaries v
JOIN snapshots s ON s.id = v.id
WHERE v.id = :id
