"""version_support: a major version past (or near) its end of life, a minor release behind the latest."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, Iterable

from pgdiag.checks._support.sessions import keyed_fingerprint
from pgdiag.checks.base import Check, Threshold
from pgdiag.core.findings import Finding, ObjectRef
from pgdiag.core.snapshot import Snapshot

TABLE = Path(__file__).parent / "_support" / "postgres_versions.toml"


@dataclass(frozen=True)
class Major:
    """One major version's support dates and the latest minor release pgdiag knows of."""

    major: int
    released: date
    end_of_life: date
    latest_minor: int


@dataclass(frozen=True)
class VersionTable:
    """The shipped table of major versions, and the day it was last brought up to date."""

    as_of: date
    majors: dict[int, Major]


@cache
def version_table() -> VersionTable:
    """The dated end-of-life table shipped with pgdiag (``_support/postgres_versions.toml``)."""
    doc = tomllib.loads(TABLE.read_text(encoding="utf-8"))
    majors = {int(k): Major(int(k), v["released"], v["end_of_life"], int(v["latest_minor"]))
              for k, v in doc["majors"].items()}
    return VersionTable(doc["as_of"], majors)


class VersionSupport(Check):
    """PostgreSQL major version at or near its end of life, or a minor release behind.

    **Problem**

    The server's major version has reached its end of life (the community ships no more fixes,
    security fixes included), or reaches it within ``eol_warning_days``; or its minor release is
    at least ``minors_behind`` releases behind the latest one pgdiag knows of. Dates and minors
    come from a table shipped with pgdiag and dated (``as_of``); a server newer than the table
    is not judged on its minor, and the finding says how old the table is. Days are counted to
    the collection date.

    Severity: high past the end of life; medium within ``eol_warning_days`` of it or from
    ``medium_minors_behind`` minors behind; low below.

    **Why it matters**

    Minor releases fix bugs that corrupt data or crash the server, and security holes; they
    never change behaviour on purpose and need only a restart with the new binaries. A major
    past its end of life gets none of these any more, and upgrading it (``pg_upgrade``, logical
    replication) takes planning.

    **Fix**

    Install the latest minor release of the major and restart. Plan a major upgrade well before
    the end of life: ``pg_upgrade --link`` (minutes of downtime), or logical replication to a new
    cluster (seconds). Read the release notes of every major in between.
    """

    id: ClassVar[str] = "version_support"
    thresholds: ClassVar[dict[str, Threshold]] = {
        "minors_behind": Threshold(1, "minor releases behind the latest known before a server is reported"),
        "medium_minors_behind": Threshold(4, "minor releases behind (about a year of fixes) from which it is medium"),
        "eol_warning_days": Threshold(180, "days before the end of life from which the major is reported"),
    }
    requires: ClassVar[tuple[str, ...]] = ()

    def run(self, snapshot: Snapshot, settings: Any) -> Iterable[Finding]:
        """At most two findings: the major's end of life, and the minor's lag."""
        version_num = snapshot.server_version_num
        major_number, minor = version_num // 10000, version_num % 10000
        table = version_table()
        major = table.majors.get(major_number)
        if major is None:
            return
        today = snapshot.collected_at.date()
        days_left = (major.end_of_life - today).days
        evidence = {"server_version_num": version_num, "major": major_number, "minor": minor,
                    "end_of_life": major.end_of_life.isoformat(), "days_to_end_of_life": days_left,
                    "latest_minor_known": major.latest_minor, "table_as_of": table.as_of.isoformat()}
        if days_left <= settings.eol_warning_days:
            yield _end_of_life(major, days_left, evidence)
        behind = major.latest_minor - minor
        if behind >= settings.minors_behind and behind > 0:
            yield _minor_behind(major, minor, behind, evidence, settings)


def _end_of_life(major: Major, days_left: int, evidence: dict[str, Any]) -> Finding:
    """The finding for a major past or near its end of life."""
    when = (f"reached its end of life on {major.end_of_life.isoformat()}" if days_left <= 0
            else f"reaches its end of life on {major.end_of_life.isoformat()}, in {days_left} days")
    return Finding(
        check=VersionSupport.id,
        severity="high" if days_left <= 0 else "medium",
        title=f"PostgreSQL {major.major} {when}",
        object=ObjectRef(),
        recommendation=(f"Plan the upgrade to a supported major: pg_upgrade --link (minutes of downtime) or logical "
                        f"replication to a new cluster. {'It gets no more fixes, security fixes included.' if days_left <= 0 else ''}").strip(),
        evidence=evidence,
        fingerprint=keyed_fingerprint(VersionSupport.id, "end_of_life", major.major),
    )


def _minor_behind(major: Major, minor: int, behind: int, evidence: dict[str, Any], settings: Any) -> Finding:
    """The finding for a minor release behind the latest known one."""
    latest = f"{major.major}.{major.latest_minor}"
    return Finding(
        check=VersionSupport.id,
        severity="medium" if behind >= settings.medium_minors_behind else "low",
        title=(f"PostgreSQL {major.major}.{minor} is {behind} minor release{'s' if behind > 1 else ''} behind {latest} "
               f"(latest known to pgdiag on {evidence['table_as_of']})"),
        object=ObjectRef(),
        recommendation=(f"Install PostgreSQL {latest} (or newer) and restart: minor releases fix data-corruption bugs "
                        "and security holes and change nothing on purpose. Read the release notes for any step to "
                        "take after the update (e.g. a REINDEX)."),
        evidence={**evidence, "minors_behind": behind},
        fingerprint=keyed_fingerprint(VersionSupport.id, "minor", major.major),
    )
