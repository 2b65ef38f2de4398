-- reclaim_space: return the pages freed by retention to the file system.
PRAGMA incremental_vacuum
