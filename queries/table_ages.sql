-- table_ages: the 100 tables of this database with the oldest unfrozen transaction IDs (a TOAST table
-- counts for its owning table, with the older of the two ages), the ones VACUUM (FREEZE) must reach first.
-- Columns: table_oid, schema, table, kind, xid_age, mxid_age, relpages.
WITH ages AS (
    SELECT coalesce(owner.oid, c.oid) AS table_oid, age(c.relfrozenxid) AS xid_age,
           mxid_age(c.relminmxid) AS mxid_age, c.relpages
    FROM pg_class c
    LEFT JOIN pg_class owner ON c.relkind = 't' AND owner.reltoastrelid = c.oid
    WHERE c.relkind IN ('r', 'm', 't') AND c.relfrozenxid <> '0'
)
SELECT a.table_oid, n.nspname AS schema, t.relname AS table, t.relkind AS kind,
       max(a.xid_age) AS xid_age, max(a.mxid_age) AS mxid_age, sum(a.relpages)::bigint AS relpages
FROM ages a
JOIN pg_class t ON t.oid = a.table_oid
JOIN pg_namespace n ON n.oid = t.relnamespace
GROUP BY a.table_oid, n.nspname, t.relname, t.relkind
ORDER BY max(a.xid_age) DESC, a.table_oid
LIMIT 100
