"""Timing shared by the bench scripts: best wall time of a few runs (the least disturbed one)."""

from __future__ import annotations

import time
from typing import Callable


def best_of(work: Callable[[], object], runs: int = 3) -> float:
    """The best wall time of `runs` runs of `work`, in seconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)
