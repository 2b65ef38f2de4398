"""pgdiag: PostgreSQL performance diagnostics with evidence and a fix."""

__version__ = "0.1.0"
