"""``pgdiag explain``: profile one statement — where the time went, what is wrong, the index that fixes it.

connect → check the statement (pglast) → EXPLAIN in a rolled-back transaction (`run`) → plan model
with own times (`plan`) → the index that fixes it (`fix`) → plan insights (`insights`) → render.
`profile.profile` runs the whole chain; docs/explain.md records the decisions.
"""
