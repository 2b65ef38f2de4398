-- select_latest_id: the id of the most recent snapshot of target %(target_key)s.
SELECT id FROM pgdiag.snapshots WHERE target_key = %(target_key)s ORDER BY collected_at DESC, id DESC LIMIT 1
