"""sequence_exhaustion: sequences, serial and identity columns close to the end of their range."""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.lazy import numpy as np
from pgdiag.core.snapshot import Snapshot
from pgdiag.core.sqltext import qualified, quote_ident

SMALL_TYPES = ("smallint", "integer")
# Exact largest values of the integer column types (the frame's float column_max is not exact for bigint).
TYPE_MAX = {"smallint": 2**15 - 1, "integer": 2**31 - 1, "bigint": 2**63 - 1}


class SequenceExhaustion(Check):
    """Sequence, serial or identity column that has used most of its range.

    **Problem**

    The sequence's last value is at least ``used_percent`` % of the way through its range. The
    range ends at the sequence's ``MAXVALUE`` or, when the sequence feeds a ``smallint``,
    ``integer`` or ``bigint`` column (serial, identity, or a sequence ``OWNED BY`` the column),
    at the column type's largest value, whichever comes first; it starts at ``MINVALUE``, clamped
    to the column type. Descending sequences are judged the same way from the other end. Sequences
    never used (no last value, or one pgdiag may not read) are skipped, and so are ``CYCLE``
    sequences whose own range is the limit: they wrap around by design.

    Severity: critical from ``critical_percent`` %, high from ``high_percent`` %, medium below.

    **Why it matters**

    When the range is used up, every ``INSERT`` that needs a new value fails (``nextval: reached
    maximum value of sequence`` or ``integer out of range``) — an outage that arrives on a
    schedule. Widening an ``integer`` key on a big table takes hours, so it has to start early.

    **Fix**

    Widen what limits the range to ``bigint``. For the column::

        ALTER TABLE public.t ALTER COLUMN id TYPE bigint;

    which rewrites the table and its indexes under an ``ACCESS EXCLUSIVE`` lock; widen the
    foreign-key columns that reference it as well. On a big table, add a new ``bigint`` column
    instead, fill it in batches (a trigger keeps new rows in step), build its unique index
    ``CONCURRENTLY`` and swap the columns and the primary key in one short transaction. For a
    sequence of a smaller type (serial columns get an ``integer`` sequence; an identity column's
    sequence follows its column's type change by itself)::

        ALTER SEQUENCE public.t_id_seq AS bigint;
    """

    id: ClassVar[str] = "sequence_exhaustion"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "used_percent": Threshold(75, "percentage of the range (sequence or column type) already used"),
        "high_percent": Threshold(85, "percentage of the range used from which a finding is high"),
        "critical_percent": Threshold(95, "percentage of the range used from which a finding is critical"),
    }
    requires: ClassVar[tuple[str, ...]] = ("sequences",)

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """One finding per sequence at or past the threshold, worst first."""
        seqs = snapshot.frame("sequences")
        if seqs.empty:
            return
        seqs = seqs[seqs["last_value"].notna()]
        ascending = seqs["increment"] > 0
        col_max = seqs["column_type"].map(TYPE_MAX).astype(float)
        col_min = -col_max - 1
        seq_max, seq_min = seqs["max_value"].astype(float), seqs["min_value"].astype(float)
        upper, lower = np.fmin(seq_max, col_max), np.fmax(seq_min, col_min)
        last = seqs["last_value"].astype(float)
        used = 100 * (last - lower).where(ascending, upper - last) / (upper - lower)
        column_limits = (col_max <= seq_max).where(ascending, col_min >= seq_min)
        sequence_limits = ~(col_max < seq_max).where(ascending, col_min > seq_min)
        wraps = seqs["cycle"].astype(bool) & sequence_limits
        fired = seqs.assign(used=used, column_limits=column_limits,
                            sequence_limits=sequence_limits)[(used >= settings.used_percent) & ~wraps]
        for row in fired.sort_values("used", ascending=False).to_dict("records"):
            yield _finding(row, settings)


def _severity(used: float, settings: Any) -> str:
    """critical from ``critical_percent``, high from ``high_percent``, else medium."""
    if used >= settings.critical_percent:
        return "critical"
    return "high" if used >= settings.high_percent else "medium"


def _fix(row: dict[str, Any], sequence: str) -> tuple[str | None, str]:
    """The fix SQL (None when no type change helps) and the recommendation for one sequence."""
    statements, advice = [], []
    widen_column = bool(row["column_limits"]) and row["column_type"] in SMALL_TYPES
    if widen_column:
        table = qualified(row["table_schema"], row["table"])
        statements.append(f"ALTER TABLE {table} ALTER COLUMN {quote_ident(row['column'])} TYPE bigint;")
        advice.append(f"Widen {table}.{quote_ident(row['column'])} to bigint, and the foreign-key columns that "
                      "reference it. ALTER COLUMN … TYPE rewrites the table and its indexes under an ACCESS "
                      "EXCLUSIVE lock; on a big table add a bigint column, backfill it in batches, index it "
                      "CONCURRENTLY and swap it in instead.")
    identity_follows = widen_column and row["ownership"] == "identity"
    bound = "MAXVALUE" if row["increment"] > 0 else "MINVALUE"
    # A bound set narrower than the type's is the limit itself (ALTER SEQUENCE … AS would keep it): drop it.
    drop_bound = bool(row["sequence_limits"]) and _explicit_bound(row)
    type_limits = bool(row["sequence_limits"]) and not drop_bound
    widen_sequence = row["data_type"] in SMALL_TYPES and (type_limits or widen_column) and not identity_follows
    if widen_sequence or drop_bound:
        statements.append(f"ALTER SEQUENCE {sequence}{' AS bigint' if widen_sequence else ''}"
                          f"{f' NO {bound}' if drop_bound else ''};")
        advice.append(f"{'Widen' if widen_sequence else 'Free'} the sequence {sequence}"
                      f"{' to bigint' if widen_sequence else ''}{f' and drop its own {bound}' if drop_bound else ''} "
                      "(quick, no rewrite).")
    if not statements:
        advice.append(f"The sequence's own {bound} is the limit: raise it with ALTER SEQUENCE {sequence} "
                      f"{bound} …, or restart it where values are free, before it runs out.")
    return ("\n".join(statements) or None), " ".join(advice)


def _explicit_bound(row: dict[str, Any]) -> bool:
    """Whether the sequence's MAXVALUE (MINVALUE when it counts down) is narrower than its data type's."""
    largest = TYPE_MAX.get(row["data_type"])
    if largest is None:
        return False
    return int(row["max_value"]) < largest if row["increment"] > 0 else int(row["min_value"]) > -largest - 1


def _finding(row: dict[str, Any], settings: Any) -> Finding:
    """The finding for one sequence, about its column when it feeds one."""
    sequence = qualified(row["schema"], row["sequence"])
    used = float(row["used"])
    fix_sql, recommendation = _fix(row, sequence)
    if isinstance(row["column"], str):
        obj = ObjectRef(schema=row["table_schema"], table=row["table"], columns=(row["column"],))
        subject = f"{qualified(row['table_schema'], row['table'])}.{quote_ident(row['column'])} ({row['column_type']})"
    else:
        obj = ObjectRef(schema=row["schema"], table=row["sequence"])
        subject = f"Sequence {sequence} ({row['data_type']})"
    limited_by = {(True, True): "both", (True, False): "column"}.get(
        (bool(row["column_limits"]), bool(row["sequence_limits"])), "sequence")
    return Finding(
        check=SequenceExhaustion.id,
        severity=_severity(used, settings),
        title=f"{subject} has used {used:.1f} % of its range",
        object=obj,
        recommendation=recommendation,
        evidence={
            "sequence": sequence, "data_type": row["data_type"], "last_value": int(row["last_value"]),
            "min_value": int(row["min_value"]), "max_value": int(row["max_value"]),
            "increment": int(row["increment"]), "capacity": _capacity(row),
            "used_percent": round(used, 1), "limited_by": limited_by,
            "column_type": row["column_type"] if isinstance(row["column_type"], str) else None,
            "ownership": row["ownership"] if isinstance(row["ownership"], str) else None,
        },
        fix_sql=fix_sql,
    )


def _capacity(row: dict[str, Any]) -> int:
    """The last value the sequence can hand out, exactly: its bound, or the column type's when that comes first."""
    type_max = TYPE_MAX[row["column_type"]] if row["column_limits"] else None
    if row["increment"] > 0:
        bound = int(row["max_value"])
        return bound if type_max is None else min(bound, type_max)
    bound = int(row["min_value"])
    return bound if type_max is None else max(bound, -type_max - 1)
