-- explain_generic_mode: before PostgreSQL 16, plan the prepared statement generically for the rest of
-- the (rolled-back) transaction only.
SET LOCAL plan_cache_mode = force_generic_plan
