"""What every migration rule is: an id, a severity, a documentation page, and a verdict on one statement."""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar, Iterable, Iterator

from pglast import ast
from pglast.enums import AlterTableType

from pgdiag.core.findings import Finding, ObjectRef, QueryRef
from pgdiag.core.plugins import Entry
from pgdiag.lint.nodes import TableRef, commands, table_ref
from pgdiag.lint.state import FileContext
from pgdiag.lint.statements import Statement

# Said of every file Prisma Migrate runs, where a recipe needs a statement outside a transaction.
PRISMA_OWN_MIGRATION = ("Put it in a migration of its own (`prisma migrate dev --create-only`, then edit migration.sql "
                        "so it holds only this statement): Prisma Migrate has run a migration file of several "
                        "statements as one transaction, where PostgreSQL refuses CONCURRENTLY.")


class Rule(Entry):
    """Base class: a catalogue entry (`pgdiag.core.plugins.Entry`). A subclass's docstring is its documentation
    page: a summary line, then **Problem**, **Why it matters** and **Fix** sections; `severity` is its default
    severity."""

    severity: ClassVar[str]
    statements: ClassVar[tuple[type[ast.Node], ...] | None] = None
    """The pglast statement classes `check` can find something in; None for any statement. The runner asks a
    rule only about those (one call per rule and statement was a quarter of the rules' time)."""

    def check(self, statement: Statement, context: FileContext) -> Iterable[Finding]:
        """Findings for `statement`, judged against what earlier statements established (`context`)."""
        raise NotImplementedError

    def finding(self, statement: Statement, context: FileContext, *, title: str, recommendation: str,
                obj: ObjectRef, fix_sql: str | None = None, severity: str | None = None,
                evidence: dict[str, Any] | None = None) -> Finding:
        """A finding about `statement`: its file and first line as ``location``, its text as ``query``."""
        return Finding(
            check=self.id, severity=severity or self.severity, title=title, object=obj,
            recommendation=recommendation, query=QueryRef(queryid=None, text=statement.text), evidence=evidence,
            fix_sql=fix_sql, location={"file": context.file.display, "line": statement.line},
            fingerprint=migration_fingerprint(self.id, obj, context.file.display, statement.text),
        )


def altered_existing_table(statement: Statement, context: FileContext) -> tuple[TableRef, ast.AlterTableStmt] | None:
    """The table an ``ALTER TABLE`` changes and the statement's node, when the table existed before this
    migration; None for other statements and for tables the migration created (changing those is safe)."""
    node = statement.node
    if not isinstance(node, ast.AlterTableStmt) or node.relation is None:
        return None
    table = table_ref(node.relation)
    return None if context.is_new(table) else (table, node)


def existing_table_commands(statement: Statement, context: FileContext,
                            *subtypes: AlterTableType) -> Iterator[tuple[TableRef, ast.AlterTableCmd]]:
    """The ``ALTER TABLE`` sub-commands of the given kinds, each with its table, when the statement alters a
    table that existed before this migration (none otherwise: changing a table it created is safe)."""
    altered = altered_existing_table(statement, context)
    if altered is not None:
        table, node = altered
        for cmd in commands(node, *subtypes):
            yield table, cmd


def migration_fingerprint(check: str, obj: ObjectRef, file: str, text: str) -> str:
    """Stable across runs for the same rule, object, file and statement text (line moves do not change it)."""
    payload = json.dumps([check, obj.to_dict(), file, " ".join(text.split())], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]
