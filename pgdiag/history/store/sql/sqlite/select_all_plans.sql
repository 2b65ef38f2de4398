-- select_all_plans: every stored plan (migration 0002), one row at a time, to check each still inflates
-- before the first write: what it is (plan FINGERPRINT) and its gzip bytes.
SELECT 'plan ' || fingerprint AS what, plan FROM plans ORDER BY fingerprint
