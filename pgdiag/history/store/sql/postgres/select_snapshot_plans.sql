-- select_snapshot_plans: the plans of snapshot %(id)s: queryid, fingerprint, cost that night, compressed plan.
SELECT sp.queryid, sp.fingerprint, sp.total_cost, p.plan
FROM pgdiag.snapshot_plans sp
JOIN pgdiag.plans p ON p.fingerprint = sp.fingerprint
WHERE sp.snapshot_id = %(id)s
ORDER BY sp.queryid
