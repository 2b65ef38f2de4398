-- delete_prunable_snapshot_plans: the plan references of the snapshots count_prunable counts.
DELETE FROM pgdiag.snapshot_plans WHERE snapshot_id IN (
    SELECT s.id FROM pgdiag.snapshots s
    WHERE s.collected_at < %(cutoff)s
  AND EXISTS (SELECT 1 FROM pgdiag.snapshots newer
              WHERE newer.target_key = s.target_key
                AND (newer.collected_at > s.collected_at
                     OR (newer.collected_at = s.collected_at AND newer.id > s.id))))
