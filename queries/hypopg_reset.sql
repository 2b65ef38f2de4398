-- hypopg_reset: remove every hypothetical index of this session (the planner uses it when it made only one).
-- Placeholders: {hypopg_schema}.
SELECT {hypopg_schema}.hypopg_reset()
