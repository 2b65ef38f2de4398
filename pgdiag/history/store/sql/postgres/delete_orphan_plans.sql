-- delete_orphan_plans: plan shapes no remaining snapshot refers to (after retention).
DELETE FROM pgdiag.plans p WHERE NOT EXISTS (SELECT 1 FROM pgdiag.snapshot_plans sp WHERE sp.fingerprint = p.fingerprint)
