-- hypopg_create: a hypothetical index, visible only to this session's planner.
-- Placeholders: {hypopg_schema}, {definition}. Columns: indexrelid, indexname.
SELECT indexrelid, indexname FROM {hypopg_schema}.hypopg_create_index({definition})
