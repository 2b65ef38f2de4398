-- statements_info: pg_stat_statements_info does not exist before PostgreSQL 14; one row of NULLs.
-- Placeholders: {pgss_schema}. Columns: dealloc, stats_reset.
SELECT NULL::bigint AS dealloc, NULL::timestamptz AS stats_reset
