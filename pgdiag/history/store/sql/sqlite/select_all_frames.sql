-- select_all_frames: every snapshot's compressed frames, one row at a time, to check each still inflates
-- before the first write: what it is (snapshot N) and its gzip bytes.
SELECT 'snapshot ' || id AS what, frames FROM snapshots ORDER BY id
