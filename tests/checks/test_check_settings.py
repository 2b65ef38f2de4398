"""Check settings are frozen dataclasses made from the declared thresholds: every threshold a check reads is
declared (a typo fails here, not as a check quietly listed as not run), and settings cannot be changed."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import sys

import pytest

from pgdiag.checks import registry
from pgdiag.tenant.config import TenancyConfig

CHECKS = sorted(registry().items())


def settings_reads(module_source: str) -> set[str]:
    """The attribute names read on a variable named ``settings`` anywhere in a module."""
    return {node.attr for node in ast.walk(ast.parse(module_source))
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "settings"}


@pytest.mark.parametrize("check_id, check", CHECKS, ids=[c for c, _ in CHECKS])
def test_every_threshold_read_is_declared(check_id: str, check: type) -> None:
    declared = {f.name for f in dataclasses.fields(check.Settings)}
    read = settings_reads(inspect.getsource(sys.modules[check.__module__]))
    assert read <= declared, f"{check_id} reads undeclared settings {sorted(read - declared)}"


def test_the_guard_sees_a_typo() -> None:
    assert settings_reads("def run(settings):\n    return settings.mean_sm") == {"mean_sm"}


@pytest.mark.parametrize("check_id, check", CHECKS, ids=[c for c, _ in CHECKS])
def test_settings_hold_defaults_and_overrides(check_id: str, check: type) -> None:
    defaults = check.settings({})
    for name, threshold in check.thresholds.items():
        expected = tuple(threshold.default) if isinstance(threshold.default, list) else threshold.default
        assert getattr(defaults, name) == expected
    if check.thresholds:
        name = next(iter(check.thresholds))
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(defaults, name, 1)
    assert (getattr(defaults, "tenancy", None) == TenancyConfig()) == check.uses_tenancy
