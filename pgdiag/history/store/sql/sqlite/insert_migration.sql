-- insert_migration: record that migration :version (:name) was applied.
INSERT INTO store_migrations (version, name, applied_at) VALUES (:version, :name, :applied_at)
