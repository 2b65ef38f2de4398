-- delete_prunable_snapshot_plans: the plan references of the snapshots count_prunable counts.
DELETE FROM snapshot_plans WHERE snapshot_id IN (
    SELECT id FROM snapshots
    WHERE collected_at < :cutoff
  AND EXISTS (SELECT 1 FROM snapshots newer
              WHERE newer.target_key = snapshots.target_key
                AND (newer.collected_at > snapshots.collected_at
                     OR (newer.collected_at = snapshots.collected_at AND newer.id > snapshots.id))))
