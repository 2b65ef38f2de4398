"""Where the shipped SQL and templates live, in a wheel and in a source checkout alike."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


@cache
def resource_dir(name: str) -> Path:
    """Return the directory `name` (``queries`` or ``report_templates``).

    The wheel carries them inside the package; a source checkout (or an editable
    install) keeps them at the top of the repository.
    """
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"pgdiag installation is incomplete: directory {name!r} not found")
