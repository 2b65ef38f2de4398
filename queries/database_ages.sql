-- database_ages: every database's oldest unfrozen transaction ID and multixact ID, as ages.
-- Columns: database, allow_connections, xid_age, mxid_age.
SELECT d.datname AS database, d.datallowconn AS allow_connections,
       age(d.datfrozenxid) AS xid_age, mxid_age(d.datminmxid) AS mxid_age
FROM pg_database d
ORDER BY age(d.datfrozenxid) DESC
