-- select_previous_id: the id of the snapshot of :target_key taken just before snapshot :id.
SELECT id FROM snapshots
WHERE target_key = :target_key AND (collected_at < :collected_at OR (collected_at = :collected_at AND id < :id))
ORDER BY collected_at DESC, id DESC
LIMIT 1
