-- 0001_init: the store's tables in schema pgdiag of a PostgreSQL database. Applied once, under
-- an advisory lock, inside the transaction that records it in store_migrations. Frames are
-- gzip-compressed JSON (pgdiag.store.codec); each finding is its JSON contract document.
CREATE SCHEMA IF NOT EXISTS pgdiag;
CREATE TABLE pgdiag.store_meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
INSERT INTO pgdiag.store_meta (key, value) VALUES ('format', 'pgdiag-store');
CREATE TABLE pgdiag.store_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL
);
CREATE TABLE pgdiag.snapshots (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_key         text        NOT NULL,
    target_name        text,
    dsn                text        NOT NULL,
    database           text        NOT NULL,
    server_version     text        NOT NULL,
    server_version_num integer     NOT NULL,
    collected_at       timestamptz NOT NULL,
    stored_at          timestamptz NOT NULL,
    pgdiag_version     text        NOT NULL,
    checks_ran         jsonb       NOT NULL,
    not_run            jsonb       NOT NULL,
    frames             bytea       NOT NULL
);
CREATE INDEX snapshots_target_collected ON pgdiag.snapshots (target_key, collected_at);
CREATE TABLE pgdiag.findings (
    snapshot_id bigint  NOT NULL REFERENCES pgdiag.snapshots (id) ON DELETE CASCADE,
    position    integer NOT NULL,
    fingerprint text    NOT NULL,
    check_id    text    NOT NULL,
    severity    text    NOT NULL,
    title       text    NOT NULL,
    doc         jsonb   NOT NULL,
    PRIMARY KEY (snapshot_id, position)
);
CREATE INDEX findings_fingerprint ON pgdiag.findings (fingerprint);
CREATE VIEW pgdiag.snapshot_summaries AS
SELECT s.id, s.target_key, s.target_name, s.dsn, s.database, s.server_version, s.collected_at, s.stored_at,
       s.pgdiag_version,
       count(f.position) FILTER (WHERE f.severity = 'critical') AS critical,
       count(f.position) FILTER (WHERE f.severity = 'high') AS high,
       count(f.position) FILTER (WHERE f.severity = 'medium') AS medium,
       count(f.position) FILTER (WHERE f.severity = 'low') AS low,
       count(f.position) FILTER (WHERE f.severity = 'info') AS info
FROM pgdiag.snapshots s
LEFT JOIN pgdiag.findings f ON f.snapshot_id = s.id
GROUP BY s.id;
