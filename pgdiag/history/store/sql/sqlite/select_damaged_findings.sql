-- select_damaged_findings: the snapshots with a finding whose JSON document no longer parses (SQLite's
-- json_valid, far cheaper than parsing them in Python), checked before the first write.
SELECT DISTINCT snapshot_id FROM findings WHERE NOT json_valid(doc) ORDER BY snapshot_id LIMIT 3
