-- select_all_frames: every stored snapshot's compressed frames, one row at a time, to check they still
-- inflate before the first write.
SELECT id, frames FROM snapshots ORDER BY id
