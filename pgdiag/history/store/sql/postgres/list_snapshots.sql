-- list_snapshots: every snapshot (of one target, by key or name, when %(target)s is not NULL),
-- oldest first, with the number of findings per severity.
SELECT id, target_key, target_name, dsn, database, server_version, collected_at, stored_at, pgdiag_version,
       critical, high, medium, low, info
FROM pgdiag.snapshot_summaries
WHERE %(target)s::text IS NULL OR target_key = %(target)s OR target_name = %(target)s
ORDER BY collected_at, id
