-- insert_migration: record that migration %(version)s (%(name)s) was applied.
INSERT INTO pgdiag.store_migrations (version, name, applied_at) VALUES (%(version)s, %(name)s, %(applied_at)s)
