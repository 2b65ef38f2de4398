-- store_state: what the file holds before pgdiag writes anything: its application_id (pgdiag's
-- is 1885823079, 'pgdg'), whether it has pgdiag's store_meta table, and how many schema objects
-- it has at all (0 for a new or empty file).
SELECT (SELECT application_id FROM pragma_application_id()) AS application_id,
       (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'store_meta') AS has_meta,
       (SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%') AS objects
