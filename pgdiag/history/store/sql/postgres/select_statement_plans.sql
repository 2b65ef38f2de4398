-- select_statement_plans: statement %(queryid)s's plan fingerprint and cost in every snapshot that planned it.
SELECT snapshot_id, fingerprint, total_cost FROM pgdiag.snapshot_plans WHERE queryid = %(queryid)s
ORDER BY snapshot_id
