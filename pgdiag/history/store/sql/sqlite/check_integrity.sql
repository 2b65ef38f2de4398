-- check_integrity: SQLite's quick check of every page of the file ("ok" when sound), run before the first
-- write to an existing store.
PRAGMA quick_check
