"""constraint_not_validated: CHECK and foreign-key constraints added NOT VALID and never validated."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pgdiag.checks._support.sessions import keyed_fingerprint
from pgdiag.checks.base import Check
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified, quote_ident

KINDS = {"c": "CHECK", "f": "FOREIGN KEY"}


class ConstraintNotValidated(Check):
    """CHECK or foreign-key constraint added NOT VALID and never validated.

    **Problem**

    The constraint was created with ``NOT VALID`` (the safe way to add one to a big table: no
    long lock, no scan) and the second step, ``VALIDATE CONSTRAINT``, never ran. New and updated
    rows are checked; the rows that existed when it was added never were.

    Severity is low: nothing is broken yet, but the guarantee is only partial.

    **Why it matters**

    Rows that violate the constraint may exist, and queries, reports and migrations that rely on
    it may be wrong. The planner cannot use an unvalidated CHECK constraint for partition or
    constraint exclusion, and a later ``ALTER TABLE … ATTACH PARTITION`` or a dump restored with
    ``--single-transaction`` fails if violating rows are there.

    **Fix**

    Validate it; this scans the table but takes only a ``SHARE UPDATE EXCLUSIVE`` lock, so reads
    and writes go on (a foreign key also takes ``ROW SHARE`` on the referenced table)::

        ALTER TABLE public.orders VALIDATE CONSTRAINT orders_customer_fk;

    If it fails, the error names a violating row: fix or remove such rows first.
    """

    id: ClassVar[str] = "constraint_not_validated"
    requires: ClassVar[tuple[str, ...]] = ("unvalidated_constraints",)

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per unvalidated constraint."""
        for row in snapshot.frame("unvalidated_constraints").to_dict("records"):
            table = qualified(row["schema"], row["table"])
            kind = KINDS.get(row["type"], row["type"])
            fix_sql = f"ALTER TABLE {table} VALIDATE CONSTRAINT {quote_ident(row['constraint'])};"
            yield Finding(
                check=ConstraintNotValidated.id,
                severity="low",
                title=f"{kind} constraint {quote_ident(row['constraint'])} on {table} was never validated",
                object=ObjectRef(schema=row["schema"], table=row["table"]),
                recommendation=(f"Run {fix_sql.rstrip(';')}: it checks the existing rows under a SHARE UPDATE "
                                "EXCLUSIVE lock, so reads and writes continue. If it fails, fix the rows it names."),
                evidence={"constraint": row["constraint"], "type": kind, "definition": row["definition"],
                          "table_pages": int(row["table_pages"])},
                fix_sql=fix_sql,
                fingerprint=keyed_fingerprint(ConstraintNotValidated.id, row["schema"], row["table"],
                                              row["constraint"]),
            )
