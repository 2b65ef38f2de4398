-- foreign_keys: every foreign key declared on a user table (partition-level copies left out).
-- Columns: constraint_oid, name, schema, table, table_oid, columns, attnums, parent_schema,
-- parent_table, parent_oid, parent_columns, on_delete, on_update (a/r/c/n/d as in pg_constraint),
-- validated.
SELECT con.oid AS constraint_oid, con.conname::text AS name, n.nspname AS schema, c.relname AS table,
       con.conrelid AS table_oid,
       ARRAY(SELECT a.attname::text
             FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS columns,
       con.conkey::int[] AS attnums,
       pn.nspname AS parent_schema, pc.relname AS parent_table, con.confrelid AS parent_oid,
       ARRAY(SELECT a.attname::text
             FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS parent_columns,
       con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update,
       con.convalidated AS validated
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class pc ON pc.oid = con.confrelid
JOIN pg_namespace pn ON pn.oid = pc.relnamespace
WHERE con.contype = 'f'
  AND con.conparentid = 0
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
ORDER BY n.nspname, c.relname, con.conname
