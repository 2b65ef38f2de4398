-- statements_info: how often pg_stat_statements evicted entries and when it was last reset.
-- Placeholders: {pgss_schema}. Columns: dealloc, stats_reset.
SELECT dealloc, stats_reset FROM {pgss_schema}.pg_stat_statements_info
