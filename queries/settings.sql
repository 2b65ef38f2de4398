-- settings: every server setting as the session sees it.
-- Columns: name, setting, unit, source, boot_val, pending_restart.
SELECT name, setting, unit, source, boot_val, pending_restart
FROM pg_settings
ORDER BY name
