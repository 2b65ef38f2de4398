-- select_latest_id: the id of the most recent snapshot of target :target_key.
SELECT id FROM snapshots WHERE target_key = :target_key ORDER BY collected_at DESC, id DESC LIMIT 1
