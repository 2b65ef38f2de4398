-- count_prunable: snapshots collected before :cutoff that are not their target's latest.
SELECT count(*) FROM snapshots
WHERE collected_at < :cutoff
  AND EXISTS (SELECT 1 FROM snapshots newer
              WHERE newer.target_key = snapshots.target_key
                AND (newer.collected_at > snapshots.collected_at
                     OR (newer.collected_at = snapshots.collected_at AND newer.id > snapshots.id)))
