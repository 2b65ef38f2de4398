"""``pgdiag lint-migrations``: flag migration statements that lock or rewrite tables production already has.

Pure parsing, no database: `files` finds the migrations (Prisma's ``prisma/migrations/<timestamp>_<name>/
migration.sql`` in timestamp order, plain ``.sql`` files in name order), `statements` parses each with
pglast and knows the line every statement starts on, `state` keeps what earlier statements established
(tables created in the same migration, column types, validated CHECK constraints), `rules` holds one
module per rule, and `runner` puts them together into findings of the JSON contract with a
``location``. docs/prisma.md documents the rules and the choices.
"""

from __future__ import annotations

from pgdiag.lint.runner import LintResult, lint_paths

__all__ = ["LintResult", "lint_paths"]
