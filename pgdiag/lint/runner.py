"""Lint migration files: every rule on the statements it reads (`Rule.statements`), in the order the migrations run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from pgdiag.core.findings import Finding, severity_rank
from pgdiag.lint.files import MigrationFile, migration_files
from pgdiag.lint.rules import registry
from pgdiag.lint.rules.base import Rule
from pgdiag.lint.state import FileContext, History
from pgdiag.lint.statements import parse_file


@dataclass
class LintResult:
    """The files linted, in run order, and the findings: worst first, then in file and line order."""

    paths: list[str]
    files: list[MigrationFile]
    findings: list[Finding]


def lint_paths(paths: Sequence[Path]) -> LintResult:
    """Lint the migrations `paths` name (files or directories); `MigrationError` for unreadable or bad input.

    Every file is parsed before any is judged, so a syntax error anywhere stops the run with its file and
    line instead of a partial report. Facts carry over from file to file (`History`); what a migration
    created is new only within that migration.
    """
    files = migration_files(paths)
    parsed = [(file, parse_file(file)) for file in files]
    rules = [rule_class() for rule_class in registry().values()]
    judges: dict[type, list[Rule]] = {}  # by statement class: the rules that read it, in registry order
    history = History()
    findings: list[Finding] = []
    for file, statements in parsed:
        context = FileContext(file=file, statements=statements, history=history)
        for statement in statements:
            kind = type(statement.node)
            if kind not in judges:
                judges[kind] = [r for r in rules if r.statements is None or issubclass(kind, r.statements)]
            for rule in judges[kind]:
                findings.extend(rule.check(statement, context))
            context.apply(statement)
    order = {file.display: number for number, file in enumerate(files)}
    findings.sort(key=lambda f: (severity_rank(f.severity), order[f.location["file"]], f.location["line"]))
    return LintResult(paths=[str(p) for p in paths], files=files, findings=findings)
