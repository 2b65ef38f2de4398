-- select_findings: the findings of snapshot :id, in the order the scan reported them.
SELECT doc FROM findings WHERE snapshot_id = :id ORDER BY position
