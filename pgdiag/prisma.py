"""Prisma awareness: whether a database is managed by Prisma, so advice can speak its language."""

from __future__ import annotations

from pgdiag.snapshot import Snapshot

MIGRATIONS_TABLE = "_prisma_migrations"


def is_prisma_database(snapshot: Snapshot) -> bool:
    """Whether Prisma Migrate manages the database (its ``_prisma_migrations`` table exists)."""
    tables = snapshot.frame("tables")
    return not tables.empty and bool((tables["table"] == MIGRATIONS_TABLE).any())
