-- collation_versions: each database's default collation version recorded at creation
-- (pg_database.datcollversion) against the one the operating system's library (libc or ICU) provides now.
-- Databases with the C or POSIX locale have no version (NULL): nothing can change under them.
-- Columns: database, provider, locale (datlocale for ICU and builtin databases, PostgreSQL 17+), recorded_version, actual_version.
SELECT d.datname AS database,
       CASE d.datlocprovider WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin' ELSE 'libc' END AS provider,
       coalesce(d.datlocale, d.datcollate::text) AS locale,
       d.datcollversion AS recorded_version,
       pg_database_collation_actual_version(d.oid) AS actual_version
FROM pg_database d
WHERE d.datallowconn
ORDER BY d.datname
