-- insert_finding: one finding of a snapshot, as its JSON contract document plus the columns to search by.
INSERT INTO findings (snapshot_id, position, fingerprint, check_id, severity, title, doc)
VALUES (:snapshot_id, :position, :fingerprint, :check_id, :severity, :title, :doc)
