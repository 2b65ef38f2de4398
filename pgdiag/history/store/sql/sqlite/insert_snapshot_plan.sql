-- insert_snapshot_plan: which plan shape statement :queryid had in snapshot :snapshot_id, and its cost that night.
INSERT INTO snapshot_plans (snapshot_id, queryid, fingerprint, total_cost)
VALUES (:snapshot_id, :queryid, :fingerprint, :total_cost)
