-- count_prunable: snapshots collected before %(cutoff)s that are not their target's latest.
SELECT count(*) FROM pgdiag.snapshots s
WHERE s.collected_at < %(cutoff)s
  AND EXISTS (SELECT 1 FROM pgdiag.snapshots newer
              WHERE newer.target_key = s.target_key
                AND (newer.collected_at > s.collected_at
                     OR (newer.collected_at = s.collected_at AND newer.id > s.id)))
