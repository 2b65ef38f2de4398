-- role_timeouts: the roles that can log in and are neither superusers nor replication roles (standbys, CDC), with the
-- statement_timeout and idle_in_transaction_session_timeout they get in this database from ALTER ROLE … SET,
-- ALTER ROLE … IN DATABASE … SET or ALTER DATABASE … SET (most specific first; NULL when none of them sets it,
-- so the server's value applies). Predefined pg_* roles are left out.
-- Columns: role, statement_timeout, idle_in_transaction_session_timeout.
WITH settings AS (
    SELECT r.rolname, s.setting, CASE WHEN s.source = 'role_db' THEN 1 WHEN s.source = 'role' THEN 2 ELSE 3 END AS rank
    FROM pg_roles r
    CROSS JOIN LATERAL (
        SELECT unnest(d.setconfig) AS setting,
               CASE WHEN d.setrole = 0 THEN 'db' WHEN d.setdatabase = 0 THEN 'role' ELSE 'role_db' END AS source
        FROM pg_db_role_setting d
        WHERE (d.setrole = r.oid AND d.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database())))
           OR (d.setrole = 0 AND d.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()))
    ) s
)
SELECT r.rolname AS role,
       (SELECT split_part(s.setting, '=', 2) FROM settings s
        WHERE s.rolname = r.rolname AND s.setting LIKE 'statement\_timeout=%' ORDER BY s.rank LIMIT 1)
           AS statement_timeout,
       (SELECT split_part(s.setting, '=', 2) FROM settings s
        WHERE s.rolname = r.rolname AND s.setting LIKE 'idle\_in\_transaction\_session\_timeout=%'
        ORDER BY s.rank LIMIT 1) AS idle_in_transaction_session_timeout
FROM pg_roles r
WHERE r.rolcanlogin AND NOT r.rolsuper AND NOT r.rolreplication AND r.rolname NOT LIKE 'pg\_%'
ORDER BY r.rolname
