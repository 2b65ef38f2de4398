-- explain_statement: the text pg_stat_statements holds for one queryid, the connected database's
-- entry first (another database's entry tells the user where to connect).
-- Placeholders: {pgss_schema} (schema of the extension), {queryid} (a bigint literal).
-- Columns: query, database, calls. No row when the queryid is unknown. PostgreSQL 13 (no toplevel
-- column); explain_statement.pg14.sql prefers top-level entries.
SELECT s.query, d.datname AS database, s.calls
FROM {pgss_schema}.pg_stat_statements(true) s
LEFT JOIN pg_database d ON d.oid = s.dbid
WHERE s.queryid = {queryid}
ORDER BY d.datname = current_database() DESC, s.calls DESC
LIMIT 1
