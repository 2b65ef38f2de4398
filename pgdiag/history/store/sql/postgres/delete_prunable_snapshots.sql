-- delete_prunable_snapshots: snapshots collected before %(cutoff)s, each target's latest kept.
DELETE FROM pgdiag.snapshots s
WHERE s.collected_at < %(cutoff)s
  AND EXISTS (SELECT 1 FROM pgdiag.snapshots newer
              WHERE newer.target_key = s.target_key
                AND (newer.collected_at > s.collected_at
                     OR (newer.collected_at = s.collected_at AND newer.id > s.id)))
