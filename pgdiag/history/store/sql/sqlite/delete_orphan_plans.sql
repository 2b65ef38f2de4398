-- delete_orphan_plans: plan shapes no remaining snapshot refers to (after retention).
DELETE FROM plans WHERE NOT EXISTS (SELECT 1 FROM snapshot_plans sp WHERE sp.fingerprint = plans.fingerprint)
