-- select_findings: the findings of snapshot %(id)s, in the order the scan reported them.
SELECT doc::text FROM pgdiag.findings WHERE snapshot_id = %(id)s ORDER BY position
