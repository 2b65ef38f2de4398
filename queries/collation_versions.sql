-- collation_versions: each database's default collation version recorded at creation against the one the
-- operating system's library provides now. PostgreSQL 13-14 record no version per database
-- (pg_database.datcollversion arrived in 15): no rows.
-- Columns: database, provider, locale, recorded_version, actual_version.
SELECT d.datname AS database, NULL::text AS provider, d.datcollate::text AS locale,
       NULL::text AS recorded_version, NULL::text AS actual_version
FROM pg_database d
WHERE false
