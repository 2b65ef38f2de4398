"""The heavy libraries, imported on first use: commands that never touch them start without them.

``pgdiag checks`` lists the catalogue from the check classes, which import the whole analysis stack;
``--help`` and ``lint-migrations`` load none of it either. Importing pandas and numpy costs about
0.4 s and 60 MB, psycopg 0.1 s, so modules read them from here (``from pgdiag.core.lazy import pandas
as pd``) and the import happens on the first attribute a function asks for. Type checkers see the
real modules. tests/test_startup.py guards which commands import what.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any


class LazyModule(ModuleType):
    """A stand-in for a module that imports it when one of its attributes is first read, then keeps each
    attribute it handed out so later reads cost a plain lookup."""

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(importlib.import_module(self.__name__), attribute)
        setattr(self, attribute, value)
        return value


if TYPE_CHECKING:
    import numpy
    import pandas
    import psycopg
    from psycopg import errors as psycopg_errors
else:
    numpy = LazyModule("numpy")
    pandas = LazyModule("pandas")
    psycopg = LazyModule("psycopg")
    psycopg_errors = LazyModule("psycopg.errors")
