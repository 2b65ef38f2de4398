-- store_state: whether this database holds pgdiag's store (table pgdiag.store_meta) and how many
-- relations schema pgdiag has at all (0 when it does not exist yet).
SELECT to_regclass('pgdiag.store_meta') IS NOT NULL AS has_meta,
       (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'pgdiag') AS objects
