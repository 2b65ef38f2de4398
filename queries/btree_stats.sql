-- btree_stats: every b-tree index of this database with the figures its bloat is estimated from: its pages
-- and tuples (as of the last VACUUM or ANALYZE), fillfactor, and the average width and null fraction of its
-- key and INCLUDE columns from pg_stats (columns without statistics are counted, so an index whose table was
-- never analysed, or with an expression, can be told apart). No size function is called: nothing waits on a lock.
-- Columns: index_oid, schema, table, index, relpages, reltuples, fillfactor, n_columns, n_columns_with_stats,
-- data_width (sum of avg_width * (1 - null_frac)), has_nulls, is_unique.
WITH btree AS (
    SELECT i.indexrelid, i.indrelid, n.nspname, ct.relname AS table_name, ci.relname AS index_name,
           ci.relpages, ci.reltuples, i.indnatts, i.indisunique, i.indkey::int2[] AS attnums,
           coalesce((SELECT substring(o FROM 'fillfactor=([0-9]+)')::int
                     FROM unnest(ci.reloptions) o WHERE o LIKE 'fillfactor=%'), 90) AS fillfactor
    FROM pg_index i
    JOIN pg_class ci ON ci.oid = i.indexrelid
    JOIN pg_am am ON am.oid = ci.relam AND am.amname = 'btree'
    JOIN pg_class ct ON ct.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = ct.relnamespace
    WHERE ci.relpages > 0
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
), columns AS (
    SELECT b.indexrelid, s.avg_width, s.null_frac
    FROM btree b
    CROSS JOIN LATERAL unnest(b.attnums) AS k(attnum)
    JOIN pg_attribute a ON a.attrelid = b.indrelid AND a.attnum = k.attnum
    JOIN pg_stats s ON s.schemaname = b.nspname AND s.tablename = b.table_name AND s.attname = a.attname
                   AND NOT s.inherited
)
SELECT b.indexrelid AS index_oid, b.nspname AS schema, b.table_name AS table, b.index_name AS index,
       b.relpages, b.reltuples, b.fillfactor, b.indnatts AS n_columns,
       count(c.avg_width) AS n_columns_with_stats,
       coalesce(sum(c.avg_width * (1 - c.null_frac)), 0)::float8 AS data_width,
       coalesce(bool_or(c.null_frac > 0), false) AS has_nulls,
       b.indisunique AS is_unique
FROM btree b
LEFT JOIN columns c ON c.indexrelid = b.indexrelid
GROUP BY b.indexrelid, b.nspname, b.table_name, b.index_name, b.relpages, b.reltuples, b.fillfactor, b.indnatts,
         b.indisunique
ORDER BY b.nspname, b.table_name, b.index_name
