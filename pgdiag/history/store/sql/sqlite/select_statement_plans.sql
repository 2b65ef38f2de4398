-- select_statement_plans: statement :queryid's plan fingerprint and cost in every snapshot that planned it.
SELECT snapshot_id, fingerprint, total_cost FROM snapshot_plans WHERE queryid = :queryid ORDER BY snapshot_id
