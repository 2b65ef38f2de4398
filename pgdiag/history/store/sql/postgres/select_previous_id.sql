-- select_previous_id: the id of the snapshot of %(target_key)s taken just before snapshot %(id)s.
SELECT id FROM pgdiag.snapshots
WHERE target_key = %(target_key)s
  AND (collected_at < %(collected_at)s OR (collected_at = %(collected_at)s AND id < %(id)s))
ORDER BY collected_at DESC, id DESC
LIMIT 1
