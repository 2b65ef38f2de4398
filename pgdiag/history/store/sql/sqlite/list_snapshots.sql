-- list_snapshots: every snapshot (of one target, by key or name, when :target is not NULL), oldest
-- first, with the number of findings per severity.
SELECT id, target_key, target_name, dsn, database, server_version, collected_at, stored_at, pgdiag_version,
       critical, high, medium, low, info
FROM snapshot_summaries
WHERE :target IS NULL OR target_key = :target OR target_name = :target
ORDER BY collected_at, id
