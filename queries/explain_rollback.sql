-- explain_rollback: undo everything the explained statement did.
ROLLBACK
