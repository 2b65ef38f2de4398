-- prepared_xacts: transactions prepared for two-phase commit and never committed or rolled back
-- (all databases); each holds its locks and the xmin horizon until COMMIT/ROLLBACK PREPARED.
-- Columns: gid, database, owner, prepared, now, xid_age.
SELECT p.gid, p.database, p.owner, p.prepared, now() AS now, age(p.transaction) AS xid_age
FROM pg_prepared_xacts p
ORDER BY p.prepared
