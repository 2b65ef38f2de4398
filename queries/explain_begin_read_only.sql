-- explain_begin_read_only: open the read-only transaction the explained statement runs in; pgdiag
-- always rolls it back.
BEGIN READ ONLY
