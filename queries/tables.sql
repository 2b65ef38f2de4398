-- tables: every user table, partitioned table and materialized view with size, activity and vacuum state.
-- Sizes are NULL (size_skipped = true) for relations held or requested in ACCESS EXCLUSIVE mode
-- (the table or any of its indexes): the size functions would queue behind that lock.
-- Columns: table_oid, schema, table, kind (r/p/m), is_partition, reltuples (-1 or 0 when never
-- analyzed), relpages, fillfactor, table_bytes, heap_bytes (the main fork alone), index_bytes, total_bytes,
-- size_skipped,
-- n_live_tup, n_dead_tup, n_mod_since_analyze, n_ins_since_vacuum, seq_scan, seq_tup_read,
-- idx_scan, idx_tup_fetch, n_tup_ins, n_tup_upd, n_tup_del, n_tup_hot_upd, last_vacuum,
-- last_autovacuum, last_analyze, last_autoanalyze, vacuum_count, autovacuum_count, analyze_count,
-- autoanalyze_count, has_primary_key, has_unique_not_null, rls_enabled, rls_forced, owner,
-- stats_row_width (average bytes of a row's non-null values from pg_stats, NULL when never
-- analyzed or no column is readable), column_names.
WITH locked AS (
    SELECT DISTINCT l.relation AS oid
    FROM pg_locks l
    WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
), widths AS (
    SELECT schemaname, tablename, sum(avg_width * (1 - null_frac))::int AS row_width
    FROM pg_stats
    WHERE NOT inherited
    GROUP BY schemaname, tablename
), rel AS (
    SELECT c.oid, n.nspname, c.relname, c.relkind, c.relispartition, c.reltuples, c.relpages,
           c.reloptions, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) AS owner,
           EXISTS (SELECT 1 FROM locked l
                   WHERE l.oid = c.oid OR l.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = c.oid)
                      OR l.oid = c.reltoastrelid) AS locked
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'm')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname !~ '^pg_(toast|temp_)'
)
SELECT r.oid AS table_oid, r.nspname AS schema, r.relname AS table, r.relkind::text AS kind,
       r.relispartition AS is_partition, r.reltuples::float8 AS reltuples, r.relpages::bigint AS relpages,
       coalesce((SELECT option_value::int FROM pg_options_to_table(r.reloptions)
                 WHERE option_name = 'fillfactor'), 100) AS fillfactor,
       CASE WHEN r.locked THEN NULL ELSE pg_table_size(r.oid) END AS table_bytes,
       CASE WHEN r.locked THEN NULL ELSE pg_relation_size(r.oid) END AS heap_bytes,
       CASE WHEN r.locked THEN NULL ELSE pg_indexes_size(r.oid) END AS index_bytes,
       CASE WHEN r.locked THEN NULL ELSE pg_total_relation_size(r.oid) END AS total_bytes,
       r.locked AS size_skipped,
       s.n_live_tup, s.n_dead_tup, s.n_mod_since_analyze, s.n_ins_since_vacuum,
       s.seq_scan, s.seq_tup_read, s.idx_scan, s.idx_tup_fetch,
       s.n_tup_ins, s.n_tup_upd, s.n_tup_del, s.n_tup_hot_upd,
       s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze,
       s.vacuum_count, s.autovacuum_count, s.analyze_count, s.autoanalyze_count,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = r.oid AND i.indisprimary) AS has_primary_key,
       EXISTS (
           SELECT 1 FROM pg_index i
           WHERE i.indrelid = r.oid AND i.indisunique AND i.indisvalid
             AND i.indpred IS NULL AND i.indexprs IS NULL
             AND NOT EXISTS (
                 SELECT 1 FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                 WHERE k.ord <= i.indnkeyatts AND NOT a.attnotnull)
       ) AS has_unique_not_null,
       r.relrowsecurity AS rls_enabled, r.relforcerowsecurity AS rls_forced, r.owner,
       w.row_width AS stats_row_width,
       ARRAY(SELECT a.attname::text FROM pg_attribute a
             WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS column_names
FROM rel r
LEFT JOIN pg_stat_all_tables s ON s.relid = r.oid
LEFT JOIN widths w ON w.schemaname = r.nspname AND w.tablename = r.relname
ORDER BY r.nspname, r.relname
