"""The lowest layer: the snapshot, findings, the report, errors, crash logs, shipped resources and the
registry pattern. Imports nothing else of pgdiag."""
