-- deallocate_all: forget every prepared statement of the planner's session at once, after a batch of plans
-- (psycopg sees the command and forgets its own). Placeholders: none.
DEALLOCATE ALL
