"""Prisma awareness: whether a database is managed by Prisma, and its ``schema.prisma`` in Prisma's own terms.

`is_prisma_database` lets checks word their advice for Prisma users; `schema` parses a Prisma schema
with a real grammar, `locate` finds it where the Prisma CLI would, `mapping` ties database tables and
columns to models and fields (``@@map``, ``@map``, ``@@schema``), and `fixes` adds the ``prisma_fix``
of index findings. docs/prisma.md records the decisions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line imports this package before the analysis stack (pandas) is needed
    from pgdiag.core.snapshot import Snapshot

MIGRATIONS_TABLE = "_prisma_migrations"


def is_prisma_database(snapshot: Snapshot) -> bool:
    """Whether Prisma Migrate manages the database (its ``_prisma_migrations`` table exists)."""
    tables = snapshot.frame("tables")
    return not tables.empty and bool((tables["table"] == MIGRATIONS_TABLE).any())
