-- insert_snapshot: one snapshot's metadata and compressed frames; returns its id.
INSERT INTO pgdiag.snapshots (target_key, target_name, dsn, database, server_version, server_version_num,
                              collected_at, stored_at, pgdiag_version, checks_ran, not_run, frames)
VALUES (%(target_key)s, %(target_name)s, %(dsn)s, %(database)s, %(server_version)s, %(server_version_num)s,
        %(collected_at)s, %(stored_at)s, %(pgdiag_version)s, %(checks_ran)s::jsonb, %(not_run)s::jsonb, %(frames)s)
RETURNING id
