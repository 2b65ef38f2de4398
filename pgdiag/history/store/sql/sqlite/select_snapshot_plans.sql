-- select_snapshot_plans: the plans of snapshot :id: queryid, fingerprint, cost that night, compressed plan.
SELECT sp.queryid, sp.fingerprint, sp.total_cost, p.plan
FROM snapshot_plans sp
JOIN plans p ON p.fingerprint = sp.fingerprint
WHERE sp.snapshot_id = :id
ORDER BY sp.queryid
