"""New and resolved findings between two scans, matched by fingerprint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from pgdiag.core.findings import Finding


@dataclass(frozen=True)
class FindingChanges:
    """Findings only the current scan has (new), only the baseline has (resolved), and the checks
    that ran in one of the two scans only, whose findings are therefore not compared."""

    new: list[Finding]
    resolved: list[Finding]
    not_compared: list[str]


def finding_changes(before: Sequence[Finding], before_ran: frozenset[str],
                    after: Sequence[Finding], after_ran: frozenset[str]) -> FindingChanges:
    """Compare findings by fingerprint, only for checks that ran in both scans.

    A check that could not run in one scan (its collector failed, or it was disabled) would
    otherwise make all its findings look resolved or new.
    """
    compared = before_ran & after_ran
    before_prints = {f.fingerprint for f in before}
    after_prints = {f.fingerprint for f in after}
    return FindingChanges(
        new=[f for f in after if f.check in compared and f.fingerprint not in before_prints],
        resolved=[f for f in before if f.check in compared and f.fingerprint not in after_prints],
        not_compared=sorted(before_ran ^ after_ran),
    )
