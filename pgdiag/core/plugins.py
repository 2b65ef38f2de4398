"""The one registry pattern of pgdiag's catalogues — checks, migration rules, plan insights: one class per
entry in a module of its package, found by scanning the package (no list to keep), each with an id, a
documentation page (its docstring) and declared thresholds that pgdiag.toml can change."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass, field, make_dataclass
from typing import Any, ClassVar, Iterable, TypeVar

T = TypeVar("T", bound=type)


@dataclass(frozen=True)
class Threshold:
    """A configurable limit of a catalogue entry: its default and what it means."""

    default: Any
    description: str


class Entry:
    """Base of every catalogue entry. A subclass's docstring is its documentation page (a summary line, then
    its sections); `thresholds` are its settings, read as ``settings.name`` from an instance of its
    `Settings`, a frozen dataclass made from them when the class is defined."""

    id: ClassVar[str]
    thresholds: ClassVar[dict[str, Threshold]] = {}
    Settings: ClassVar[type]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give every entry its own frozen settings class, one field per declared threshold plus `extra_fields`."""
        super().__init_subclass__(**kwargs)
        fields: list[tuple[str, Any, Any]] = [
            (name, type(t.default), field(default=_frozen(t.default))) for name, t in cls.thresholds.items()]
        fields += [(name, kind, field(default_factory=factory)) for name, kind, factory in cls.extra_fields()]
        cls.Settings = make_dataclass(f"{cls.__name__}Settings", fields, frozen=True)

    @classmethod
    def extra_fields(cls) -> list[tuple[str, type, Any]]:
        """Settings beyond the thresholds, as (name, type, default factory): none unless a kind of entry says."""
        return []

    @classmethod
    def settings(cls, overrides: dict[str, Any]) -> Any:
        """Declared defaults with the user's `overrides` applied (extra fields by name too): a `Settings`."""
        values = {name: _frozen(overrides.get(name, t.default)) for name, t in cls.thresholds.items()}
        values.update({name: overrides[name] for name, _, _ in cls.extra_fields() if name in overrides})
        return cls.Settings(**values)

    @classmethod
    def summary(cls) -> str:
        """The first line of the documentation page."""
        return (inspect.getdoc(cls) or "").splitlines()[0]

    @classmethod
    def documentation(cls) -> str:
        """The whole documentation page, thresholds included."""
        text = inspect.getdoc(cls) or ""
        if cls.thresholds:
            text += "\n\nThresholds (pgdiag.toml, [checks." + cls.id + "]):\n"
            text += "\n".join(f"  {name} = {t.default!r}  # {t.description}" for name, t in cls.thresholds.items())
        return text


def _frozen(value: Any) -> Any:
    """A threshold value as a settings field holds it: lists (of names) become tuples."""
    return tuple(value) if isinstance(value, list) else value


def discover(package: str, path: Iterable[str], base: T) -> dict[str, T]:
    """Every subclass of `base` defined in a public module of `package`, by its ``id``, in module name order.

    Modules and packages whose names start with ``_`` hold shared helpers, not entries, and are not imported."""
    found: dict[str, T] = {}
    for module_info in sorted(pkgutil.iter_modules(path), key=lambda m: m.name):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, base) and value is not base \
                    and value.__module__ == module.__name__:
                found[value.id] = value
    return found
