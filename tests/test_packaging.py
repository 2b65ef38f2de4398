"""The wheel carries queries/ and report_templates/, and an installed copy finds them without the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    return next(out.glob("pgdiag-*.whl"))


def test_wheel_carries_queries_and_templates(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for sql in (ROOT / "queries").glob("*.sql"):
        assert f"pgdiag/queries/{sql.name}" in names
    templates = list((ROOT / "report_templates").glob("*"))
    assert templates, "report_templates/ is empty"
    for template in templates:
        assert f"pgdiag/report_templates/{template.name}" in names


def test_wheel_carries_the_postgres_version_table(wheel: Path) -> None:
    assert "pgdiag/checks/_support/postgres_versions.toml" in set(zipfile.ZipFile(wheel).namelist())


def test_wheel_carries_the_prisma_grammar(wheel: Path, tmp_path: Path) -> None:
    assert "pgdiag/prisma/schema.lark" in set(zipfile.ZipFile(wheel).namelist())
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    probe = ("import pgdiag.prisma.schema as s; "
             "print(s.__file__); print(s.parse_schema('model A {\\n  id Int @id\\n}').models[0].name)")
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(target)},
                            capture_output=True, text=True, check=True, timeout=60)
    module, model = result.stdout.split()
    assert Path(module).is_relative_to(target) and model == "A"


def test_installed_wheel_finds_its_resources_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    probe = ("import pgdiag.core.resources as r, pgdiag.db.queries as q; "
             "print(r.resource_dir('queries')); print(r.resource_dir('report_templates')); "
             "print(len(q.names()))")
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
                            check=True, timeout=60)
    queries_dir, templates_dir, count = result.stdout.split()
    assert Path(queries_dir).is_relative_to(target) and Path(templates_dir).is_relative_to(target)
    assert int(count) == len({p.name.split(".")[0] for p in (ROOT / "queries").glob("*.sql")})
