-- insert_snapshot: one snapshot's metadata and compressed frames; the caller reads its id.
INSERT INTO snapshots (target_key, target_name, dsn, database, server_version, server_version_num, collected_at,
                       stored_at, pgdiag_version, checks_ran, not_run, frames)
VALUES (:target_key, :target_name, :dsn, :database, :server_version, :server_version_num, :collected_at,
        :stored_at, :pgdiag_version, :checks_ran, :not_run, :frames)
