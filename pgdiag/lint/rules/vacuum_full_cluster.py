"""vacuum_full_cluster: VACUUM FULL or CLUSTER, which rewrite a table under an ACCESS EXCLUSIVE lock."""

from __future__ import annotations

from typing import ClassVar, Iterable

from pglast import ast

from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.lint.nodes import TableRef, table_ref
from pgdiag.lint.rules.base import Rule
from pgdiag.lint.state import FileContext
from pgdiag.lint.statements import Statement

_OFF = {"0", "false", "off", "no"}


class VacuumFullCluster(Rule):
    """VACUUM FULL or CLUSTER in a migration.

    **Problem**

    Both rewrite the whole table (``CLUSTER`` in index order) and hold an ACCESS EXCLUSIVE lock for the
    length of the rewrite. Without a table name they rewrite every table of the database. Tables created
    earlier in the same migration are not reported.

    **Why it matters**

    The table cannot be read or written until the rewrite ends, which takes as long as copying it and
    its indexes; a migration is the wrong place for that.

    **Fix**

    Leave maintenance out of migrations. To give bloated space back online, use pg_repack or pg_squeeze,
    which rewrite with only brief locks; plain ``VACUUM`` (no FULL) never blocks reads or writes.
    """

    id: ClassVar[str] = "vacuum_full_cluster"
    severity: ClassVar[str] = "high"
    statements: ClassVar[tuple[type[ast.Node], ...] | None] = (ast.VacuumStmt, ast.ClusterStmt)

    def check(self, statement: Statement, context: FileContext) -> Iterable[Finding]:
        """One finding per table (or one for the whole database) rewritten by VACUUM FULL or CLUSTER."""
        node = statement.node
        if isinstance(node, ast.VacuumStmt) and node.is_vacuumcmd and _full(node):
            command = "VACUUM FULL"
            tables = [table_ref(r.relation) for r in node.rels or ()
                      if isinstance(r, ast.VacuumRelation) and r.relation is not None]
        elif isinstance(node, ast.ClusterStmt):
            command = "CLUSTER"
            tables = [table_ref(node.relation)] if node.relation is not None else []
        else:
            return
        for table in tables or [None]:
            if table is not None and context.is_new(table):
                continue
            yield self._finding(statement, context, command, table)

    def _finding(self, statement: Statement, context: FileContext, command: str, table: TableRef | None) -> Finding:
        """The finding for one rewritten table, or the whole database when `table` is None."""
        what = table.sql() if table is not None else "every table of the database"
        return self.finding(
            statement, context,
            title=f"{command} rewrites {what} under an ACCESS EXCLUSIVE lock",
            recommendation=("Take maintenance out of the migration; reclaim space online with pg_repack or pg_squeeze, "
                            "or run plain VACUUM, which blocks nothing."),
            obj=ObjectRef(schema=table.schema if table else None, table=table.name if table else None),
        )


def _full(node: ast.VacuumStmt) -> bool:
    """Whether a VACUUM statement has the FULL option (``VACUUM FULL t`` or ``VACUUM (FULL) t``)."""
    for option in node.options or ():
        if isinstance(option, ast.DefElem) and option.defname == "full":
            if option.arg is None:
                return True
            value = getattr(option.arg, "sval", getattr(option.arg, "ival", None))
            return str(value).lower() not in _OFF
    return False
