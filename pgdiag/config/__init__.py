"""pgdiag.toml: the settings model, and loading it with each section validated by the package that owns it."""
