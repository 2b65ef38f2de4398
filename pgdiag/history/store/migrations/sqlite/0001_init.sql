-- 0001_init: the store's tables in an SQLite file. Applied once, inside the transaction that
-- records it in store_migrations. Timestamps are UTC text (2026-11-24T19:00:00.000000Z), so
-- they sort as text; frames are gzip-compressed JSON (pgdiag.store.codec).
CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO store_meta (key, value) VALUES ('format', 'pgdiag-store');
CREATE TABLE store_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
);
CREATE TABLE snapshots (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    target_key         TEXT    NOT NULL,
    target_name        TEXT,
    dsn                TEXT    NOT NULL,
    database           TEXT    NOT NULL,
    server_version     TEXT    NOT NULL,
    server_version_num INTEGER NOT NULL,
    collected_at       TEXT    NOT NULL,
    stored_at          TEXT    NOT NULL,
    pgdiag_version     TEXT    NOT NULL,
    checks_ran         TEXT    NOT NULL,
    not_run            TEXT    NOT NULL,
    frames             BLOB    NOT NULL
);
CREATE INDEX snapshots_target_collected ON snapshots (target_key, collected_at);
CREATE TABLE findings (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    fingerprint TEXT    NOT NULL,
    check_id    TEXT    NOT NULL,
    severity    TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    doc         TEXT    NOT NULL,
    PRIMARY KEY (snapshot_id, position)
);
CREATE INDEX findings_fingerprint ON findings (fingerprint);
CREATE VIEW snapshot_summaries AS
SELECT s.id, s.target_key, s.target_name, s.dsn, s.database, s.server_version, s.collected_at, s.stored_at,
       s.pgdiag_version,
       count(f.position) FILTER (WHERE f.severity = 'critical') AS critical,
       count(f.position) FILTER (WHERE f.severity = 'high') AS high,
       count(f.position) FILTER (WHERE f.severity = 'medium') AS medium,
       count(f.position) FILTER (WHERE f.severity = 'low') AS low,
       count(f.position) FILTER (WHERE f.severity = 'info') AS info
FROM snapshots s
LEFT JOIN findings f ON f.snapshot_id = s.id
GROUP BY s.id;
