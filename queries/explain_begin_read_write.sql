-- explain_begin_read_write: open a read-write transaction for a data-modifying statement
-- (--allow-writes); the session default is read-only, so READ WRITE must be explicit. pgdiag always
-- rolls it back.
BEGIN READ WRITE
