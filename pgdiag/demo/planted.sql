-- @about Statistics for every table, as autovacuum would have gathered them.
ANALYZE;

-- @about A concurrent unique-index build that failed on duplicate e-mails leaves an invalid index behind.
-- @expect-error unique_violation
CREATE UNIQUE INDEX CONCURRENTLY "User_email_key" ON "User" ("email");

-- @about Invoice ids (a 32-bit serial) are close to running out.
SELECT setval('"Invoice_id_seq"', 1700000000);

-- @about A mass delete on a table whose autovacuum is switched off: dead rows pile up.
DELETE FROM "AuditLog" WHERE "action" IN ('login', 'export');
