-- lock_migrations: one migrating session at a time (transaction-scoped advisory lock), so several
-- nightly jobs meeting a new store create its schema once.
SELECT pg_advisory_xact_lock(hashtext('pgdiag store migrations'))
