-- deallocate_prepared: forget a prepared statement (a cached plan would ignore hypothetical indexes).
-- Placeholders: {name}.
DEALLOCATE {name}
