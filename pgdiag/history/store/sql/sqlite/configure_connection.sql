-- configure_connection: per-connection settings: wait up to 30 s for another writer (two
-- nightly jobs on one file), enforce foreign keys, and sync the WAL on every commit.
PRAGMA busy_timeout = 30000;
PRAGMA foreign_keys = ON;
PRAGMA synchronous = FULL;
