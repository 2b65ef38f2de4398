-- prepare_new_file: settings a new store file needs before its first table: space freed by
-- retention can be returned (incremental vacuum), and write-ahead logging, so a killed writer
-- never damages the last committed snapshot and readers do not block the writer.
PRAGMA auto_vacuum = INCREMENTAL;
PRAGMA journal_mode = WAL;
