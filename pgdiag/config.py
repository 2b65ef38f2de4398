"""pgdiag.toml: per-check thresholds and switches, validated so a typo is an error, not a silent default.

```toml
[checks.slow_query]
mean_ms = 100          # any threshold a check declares
[checks.table_bloat]
enabled = false        # turn a check off
```
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pgdiag.errors import ConfigError

DEFAULT_FILE = "pgdiag.toml"


@dataclass
class Config:
    """Settings from pgdiag.toml: threshold overrides and disabled checks."""

    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: Path | None = None

    def enabled(self, check_id: str) -> bool:
        """Whether `check_id` should run."""
        return bool(self.checks.get(check_id, {}).get("enabled", True))

    def overrides(self, check_id: str) -> dict[str, Any]:
        """The thresholds the user set for `check_id` (without the ``enabled`` switch)."""
        return {k: v for k, v in self.checks.get(check_id, {}).items() if k != "enabled"}


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
    return Config(checks=_validate(doc, path), source=path)


def _validate(doc: dict[str, Any], path: Path) -> dict[str, dict[str, Any]]:
    """Check sections, ids, option names and value types against what the checks declare."""
    from pgdiag.checks import registry

    unknown = set(doc) - {"checks"}
    if unknown:
        raise ConfigError(f"invalid config file {path}: unknown section [{sorted(unknown)[0]}]")
    checks = doc.get("checks", {})
    if not isinstance(checks, dict):
        raise ConfigError(f"invalid config file {path}: [checks] must be a table")
    known = registry()
    for check_id, options in checks.items():
        if check_id not in known:
            raise ConfigError(f"invalid config file {path}: unknown check {check_id!r} "
                              f"(see `pgdiag checks`)")
        if not isinstance(options, dict):
            raise ConfigError(f"invalid config file {path}: [checks.{check_id}] must be a table")
        declared = known[check_id].thresholds
        for name, value in options.items():
            if name == "enabled":
                expected: type | tuple[type, ...] = bool
            elif name in declared:
                default = declared[name].default
                expected = (int, float) if isinstance(default, (int, float)) and not isinstance(default, bool) \
                    else type(default)
            else:
                raise ConfigError(f"invalid config file {path}: check {check_id!r} has no option {name!r}")
            if not isinstance(value, expected) or (expected != bool and isinstance(value, bool)):
                raise ConfigError(f"invalid config file {path}: checks.{check_id}.{name} "
                                  f"must be {_type_name(expected)}, got {value!r}")
    return checks


def _type_name(expected: type | tuple[type, ...]) -> str:
    return "a number" if isinstance(expected, tuple) else {bool: "true or false", str: "a string"}.get(
        expected, expected.__name__)
