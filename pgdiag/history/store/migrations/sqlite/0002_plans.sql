-- 0002_plans: generic plans of the statements that matter most (issue 20). A plan is stored once per
-- shape (its fingerprint: node types, relations, indexes, join order), as gzip-compressed JSON of the
-- first plan seen with that shape; each snapshot keeps, per statement, the fingerprint and that
-- night's estimated total cost. Snapshots stored before this migration have no plans and read as before.
CREATE TABLE plans (
    fingerprint TEXT PRIMARY KEY,
    plan        BLOB NOT NULL
);
CREATE TABLE snapshot_plans (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    queryid     TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL REFERENCES plans (fingerprint),
    total_cost  REAL    NOT NULL,
    PRIMARY KEY (snapshot_id, queryid)
);
CREATE INDEX snapshot_plans_queryid ON snapshot_plans (queryid);
