-- select_schema_version: the newest migration applied to this store (0 when none).
SELECT coalesce(max(version), 0) FROM store_migrations
