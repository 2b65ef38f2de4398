-- 0002_plans: generic plans of the statements that matter most (issue 20). A plan is stored once per
-- shape (its fingerprint: node types, relations, indexes, join order), as gzip-compressed JSON of the
-- first plan seen with that shape; each snapshot keeps, per statement, the fingerprint and that
-- night's estimated total cost. Snapshots stored before this migration have no plans and read as before.
CREATE TABLE pgdiag.plans (
    fingerprint text  PRIMARY KEY,
    plan        bytea NOT NULL
);
CREATE TABLE pgdiag.snapshot_plans (
    snapshot_id bigint           NOT NULL REFERENCES pgdiag.snapshots (id) ON DELETE CASCADE,
    queryid     text             NOT NULL,
    fingerprint text             NOT NULL REFERENCES pgdiag.plans (fingerprint),
    total_cost  double precision NOT NULL,
    PRIMARY KEY (snapshot_id, queryid)
);
CREATE INDEX snapshot_plans_queryid ON pgdiag.snapshot_plans (queryid);
