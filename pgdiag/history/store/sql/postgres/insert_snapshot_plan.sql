-- insert_snapshot_plan: which plan shape statement %(queryid)s had in snapshot %(snapshot_id)s, and its cost that night.
INSERT INTO pgdiag.snapshot_plans (snapshot_id, queryid, fingerprint, total_cost)
VALUES (%(snapshot_id)s, %(queryid)s, %(fingerprint)s, %(total_cost)s)
