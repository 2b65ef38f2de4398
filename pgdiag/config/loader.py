"""Load pgdiag.toml: read the file, then hand each section to the package that owns and validates it
([checks.*] against the catalogue of checks and plan insights)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pgdiag.checks import registry as checks_registry
from pgdiag.config.model import Config
from pgdiag.config.thresholds import validate_checks
from pgdiag.core.errors import ConfigError
from pgdiag.explain.insights import registry as insights_registry
from pgdiag.history.compare import CompareSettings
from pgdiag.history.targets import parse_targets
from pgdiag.tenant.config import TENANCY, parse_tenancy

DEFAULT_FILE = "pgdiag.toml"
SECTIONS = ("checks", TENANCY, "compare", "targets")
# pgdiag.toml needs four levels ([[targets]] → checks → a check → a list); anything far deeper is hostile.
MAX_NESTING = 16


def load(path: Path | None) -> Config:
    """Read `path`, or ``./pgdiag.toml`` when it exists, and validate it against the checks' thresholds."""
    if path is None:
        default = Path(DEFAULT_FILE)
        if not default.is_file():
            return Config()
        path = default
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"invalid config file {path}: {exc}") from None
    except RecursionError:  # tomllib reads nested arrays and tables recursively
        raise ConfigError(f"invalid config file {path}: values nested more than {MAX_NESTING} deep") from None
    if _depth(doc) > MAX_NESTING:
        raise ConfigError(f"invalid config file {path}: values nested more than {MAX_NESTING} deep")
    unknown = set(doc) - set(SECTIONS)
    if unknown:
        raise ConfigError(f"invalid config file {path}: unknown section [{sorted(unknown)[0]}]")
    catalogue = {**checks_registry(), **insights_registry()}  # plan insights are configured like checks
    checks = validate_checks(doc.get("checks", {}), path, catalogue)
    tenancy = parse_tenancy(doc.get(TENANCY, {}), path)
    compare = CompareSettings.validate(doc.get("compare", {}), path)
    targets = parse_targets(doc["targets"], path, lambda section: validate_checks(section, path, catalogue)) \
        if "targets" in doc else ()
    return Config(checks=checks, source=path, tenancy=tenancy, compare=compare, targets=targets)


def _depth(value: object) -> int:
    """How deeply tables and arrays nest in `value` (a scalar is 0), counted without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in children)
    return deepest
