"""The package layout stays what docs/layout.md describes: few top-level modules, small modules, no import
cycle, and layers that never import upward.

Imports are read from the source with `ast`, every one of them: at module level, inside functions and
under ``if TYPE_CHECKING:`` alike, since each is a dependency a reader has to follow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pgdiag"
MAX_LINES = 400
MAX_TOP_LEVEL_MODULES = 10

LAYERS = {
    # a module may import only modules of lower layers or of its own package; the most specific entry
    # names a module's layer (``history.store`` before ``history``)
    "core": 0,
    "db": 1,
    "sql": 2,
    "collect": 3, "advice": 3, "tenant": 3, "prisma": 3,
    "config": 4,
    "checks": 5, "explain": 5, "lint": 5,
    "history.store": 6, "history.compare": 6, "history.targets": 6, "history.retention": 6,
    "scan": 7, "doctor": 7,
    "history.baseline": 8,
    "render": 8,
    "history": 9,
    "demo": 10,
    "cli": 11, "__main__": 12,
}
"""Where each part of pgdiag sits. `pgdiag/__init__.py` (the version) is importable from anywhere. Within
history, the stores, the comparison, the targets and retention are data a renderer reads; the tracked
runs, fleets and notifications above the renderers are what ``scan --store``/``--all``/``--notify`` do."""

EXCEPTIONS = {
    # (importer, imported): why the edge is allowed although it points upward
    ("config", "checks"): "config/loader.py validates [checks.*] against the checks' declared thresholds",
    ("config", "explain"): "config/loader.py validates [checks.plan_*] against the plan insights' thresholds",
    ("config", "history.compare"): "config/loader.py hands [compare] to history.compare, which owns it",
    ("config", "history.targets"): "config/loader.py hands [[targets]] to history.targets, which owns it",
}


def modules() -> dict[str, Path]:
    """Every module of pgdiag by dotted name (a package by its __init__)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The pgdiag modules `name` imports, anywhere in its source."""
    is_package = path.name == "__init__.py"
    base = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                anchor = base
                for _ in range(node.level - 1):
                    anchor = anchor.rpartition(".")[0]
                module = f"{anchor}.{module}" if module else anchor
            targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module
                       for alias in node.names]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target.startswith("pgdiag") and target != name:
                found.add(target)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def package_of(module: str) -> str:
    """The most specific entry of `LAYERS` that `module` belongs to ("" for pgdiag itself)."""
    parts = module.split(".")[1:]
    for length in range(len(parts), 0, -1):
        if ".".join(parts[:length]) in LAYERS:
            return ".".join(parts[:length])
    return parts[0] if parts else ""


def test_few_modules_at_the_top() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def test_no_module_over_the_limit() -> None:
    long = {str(p.relative_to(PACKAGE.parent)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long


def test_no_import_cycle(graph: dict[str, set[str]]) -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert not cycles


def test_every_package_has_a_layer() -> None:
    packages = {package_of(name) for name in modules()} - {""}
    assert packages <= set(LAYERS) and {name.split(".")[0] for name in LAYERS} <= packages


def test_no_layer_imports_upward(graph: dict[str, set[str]]) -> None:
    upward = []
    for module, targets in graph.items():
        source = package_of(module)
        for target in targets:
            destination = package_of(target)
            same_package = destination.split(".")[0] == source.split(".")[0] and LAYERS[destination] <= LAYERS[source]
            if destination in ("", source) or same_package or (source, destination) in EXCEPTIONS:
                continue
            if LAYERS[destination] >= LAYERS[source]:
                upward.append(f"{module} -> {target}")
    assert not sorted(upward)
