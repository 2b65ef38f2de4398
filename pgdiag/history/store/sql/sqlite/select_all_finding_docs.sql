-- select_all_finding_docs: every stored finding's JSON document, to check it still parses before the first
-- write.
SELECT snapshot_id, doc FROM findings ORDER BY snapshot_id, position
