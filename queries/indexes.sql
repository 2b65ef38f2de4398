-- indexes: every index on a user table with its definition, what it enforces, validity, size and use.
-- For an index whose table or itself is held or requested in ACCESS EXCLUSIVE mode (locked = true),
-- definition, expressions, predicate and index_bytes are NULL: reading them would wait for that lock.
-- Columns: index_oid, table_oid, schema, table, index, definition, method, attnums (0 marks an
-- expression), columns (names, NULL for expressions; key columns first, then INCLUDE columns),
-- n_key_columns, opclasses, collations, options (per key column: 1 = DESC, 2 = NULLS FIRST),
-- expressions, predicate, has_expressions, has_predicate, is_unique, is_primary, is_exclusion, is_valid, is_ready,
-- constraint_type (p/u/x when the index backs that constraint), constraint_name,
-- referenced_by_fk, locked, index_bytes, idx_scan, idx_tup_read, idx_tup_fetch, nulls_not_distinct
-- (always false before PostgreSQL 15), building (a CREATE INDEX / REINDEX is running on it now).
WITH locked AS (
    SELECT DISTINCT l.relation AS oid
    FROM pg_locks l
    WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
)
SELECT i.indexrelid AS index_oid, i.indrelid AS table_oid, n.nspname AS schema, t.relname AS table,
       c.relname AS index,
       CASE WHEN l.locked THEN NULL ELSE pg_get_indexdef(i.indexrelid) END AS definition,
       am.amname AS method,
       i.indkey::int2[]::int[] AS attnums,
       ARRAY(SELECT a.attname::text
             FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS columns,
       i.indnkeyatts::int AS n_key_columns,
       ARRAY(SELECT o.opcname::text
             FROM unnest(i.indclass::oid[]) WITH ORDINALITY AS k(opc, ord)
             JOIN pg_opclass o ON o.oid = k.opc
             ORDER BY k.ord) AS opclasses,
       i.indcollation::oid[]::bigint[] AS collations,
       i.indoption::int2[]::int[] AS options,
       CASE WHEN l.locked THEN NULL ELSE pg_get_expr(i.indexprs, i.indrelid) END AS expressions,
       CASE WHEN l.locked THEN NULL ELSE pg_get_expr(i.indpred, i.indrelid) END AS predicate,
       i.indexprs IS NOT NULL AS has_expressions, i.indpred IS NOT NULL AS has_predicate,
       i.indisunique AS is_unique, i.indisprimary AS is_primary, i.indisexclusion AS is_exclusion,
       i.indisvalid AS is_valid, i.indisready AS is_ready,
       con.contype::text AS constraint_type, con.conname::text AS constraint_name,
       EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid) AS referenced_by_fk,
       l.locked,
       CASE WHEN l.locked THEN NULL ELSE pg_relation_size(i.indexrelid) END AS index_bytes,
       s.idx_scan, s.idx_tup_read, s.idx_tup_fetch,
       false AS nulls_not_distinct,
       EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid) AS building
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = c.relam
LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                            AND con.contype IN ('p', 'u', 'x')
LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = i.indexrelid
CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM locked WHERE oid IN (i.indexrelid, i.indrelid)) AS locked) l
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY n.nspname, t.relname, c.relname
