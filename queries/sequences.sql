-- sequences: every sequence with its position and, for serial and identity columns, the column it feeds.
-- last_value is NULL when the sequence was never used, pgdiag may not read it, or another session
-- holds or requests a lock that reading it would wait for (e.g. an open ALTER SEQUENCE).
-- Columns: schema, sequence, data_type, start_value, min_value, max_value, increment, cycle,
-- last_value, table_schema, table, column, column_type, column_max (largest value the column's
-- integer type holds, NULL for other types), ownership ('serial', 'identity' or NULL).
WITH busy AS (
    SELECT DISTINCT l.relation AS oid
    FROM pg_locks l
    WHERE l.locktype = 'relation'
      AND l.mode IN ('ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
)
SELECT n.nspname AS schema, c.relname AS sequence, format_type(s.seqtypid, NULL) AS data_type,
       s.seqstart AS start_value, s.seqmin AS min_value, s.seqmax AS max_value,
       s.seqincrement AS increment, s.seqcycle AS cycle,
       CASE WHEN c.oid IN (SELECT oid FROM busy) OR NOT has_sequence_privilege(c.oid, 'SELECT,USAGE') THEN NULL
            ELSE pg_sequence_last_value(c.oid) END AS last_value,
       tn.nspname AS table_schema, t.relname AS table, a.attname::text AS column,
       format_type(a.atttypid, a.atttypmod) AS column_type,
       CASE a.atttypid WHEN 'int2'::regtype THEN 32767
                       WHEN 'int4'::regtype THEN 2147483647
                       WHEN 'int8'::regtype THEN 9223372036854775807 END AS column_max,
       CASE d.deptype WHEN 'a' THEN 'serial' WHEN 'i' THEN 'identity' END AS ownership
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
                     AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
LEFT JOIN pg_class t ON t.oid = d.refobjid
LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY n.nspname, c.relname
