"""The command line starts light: parsing options and printing --help load none of the analysis stack.

Start-up time itself is measured in bench/scale.py (``pgdiag --help`` ≤ 0.3 s); this test guards the
cause of a slow start, an eager import, without timing anything.
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "numpy", "psycopg", "pglast", "jinja2")


def test_help_imports_no_heavy_module() -> None:
    probe = ("import sys; from pgdiag.cli import run; code = run(['--help']); "
             f"print(code, sorted(m for m in {HEAVY!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "0 []", result.stdout[-500:]
