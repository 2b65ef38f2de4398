"""Migration linting speed against squawk on the same files, best of 3 in the same run.

Point it at a directory of Prisma migrations (``prisma/migrations``: one folder per migration holding
``migration.sql``), for instance a real project's checked out outside this repository; the bench
reads the files where they are and never copies or commits them. It times, as separate processes:

- squawk (``pip install squawk-cli``): ``squawk --reporter json --assume-in-transaction FILES…``;
- pgdiag: ``pgdiag lint-migrations DIR --json -`` (the same files, the JSON report on stdout);
- pgdiag on the first migration alone (start-up: imports and one parse);

and prints each with its ratio to squawk, wall time (the target) and CPU time (user + system, best of the
same runs: on a loaded machine the wall time partly measures waiting for a core, squawk's threads most).
Target (issue #17): the directory within 10× squawk.

pgdiag is the console script beside this Python, as a user runs it; it imports pgdiag from PYTHONPATH when
that is set (``PYTHONPATH=. python bench/lint.py …`` times this checkout). Every command runs once untimed
first, and Python keeps its bytecode (in a temporary PYTHONPYCACHEPREFIX) as an installed package has it: a
session with PYTHONDONTWRITEBYTECODE would compile pgdiag's modules on every run, start-up no user pays.

Usage: python bench/lint.py MIGRATIONS_DIR [--squawk PATH] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import best_of


def main() -> None:
    """Time squawk and pgdiag on the directory's migrations and print the ratios."""
    args = _arguments()
    files = sorted(args.directory.glob("*/migration.sql"))
    if not files:
        sys.exit(f"bench: no */migration.sql under {args.directory}")
    squawk = args.squawk or shutil.which("squawk") or str(Path(sys.executable).with_name("squawk"))
    pgdiag = str(Path(sys.executable).with_name("pgdiag"))
    commands = {"squawk": [squawk, "--reporter", "json", "--assume-in-transaction", *map(str, files)],
                "pgdiag": [pgdiag, "lint-migrations", str(args.directory), "--json", "-"],
                "single": [pgdiag, "lint-migrations", str(files[0].parent), "--json", "-"]}
    with tempfile.TemporaryDirectory(prefix="pgdiag-bench-pyc-") as cache:
        environment = _environment(cache)
        wall, cpu = {}, {}
        for name, argv in commands.items():
            _run(argv, environment)  # untimed: bytecode written, files in the page cache
            cpu_times: list[float] = []
            wall[name] = best_of(lambda: cpu_times.append(_run(argv, environment)), runs=args.runs)
            cpu[name] = min(cpu_times)
    squawk_s, pgdiag_s = wall["squawk"], wall["pgdiag"]
    print(f"{len(files)} migrations in {args.directory}; best of {args.runs} runs each; load {_load()}")
    print(f"{'':32} {'wall':>9} {'ratio':>6} {'CPU':>9} {'ratio':>6}")
    for name, label in (("squawk", "squawk (floor)"), ("pgdiag", "pgdiag lint-migrations"),
                        ("single", "pgdiag on one migration")):
        print(f"{label:32} {wall[name]:7.3f} s {wall[name] / squawk_s:5.1f}x "
              f"{cpu[name]:7.3f} s {cpu[name] / cpu['squawk']:5.1f}x")
    print(f"target: within 10x squawk: {'met' if pgdiag_s <= 10 * squawk_s else 'NOT met'}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="a prisma/migrations directory")
    parser.add_argument("--squawk", help="the squawk executable (default: on PATH or beside this Python)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each command, the best counts (default 3)")
    return parser.parse_args()


def _environment(cache: str) -> dict[str, str]:
    """This environment, with Python's bytecode written to and read from `cache`."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPYCACHEPREFIX"] = cache
    return environment


def _run(argv: list[str], environment: dict[str, str]) -> float:
    """Run one process to completion, its output discarded, and return its CPU time (user + system); exit
    codes 0 and 1 (findings: squawk exits 1 when it reports something) are both fine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):
        sys.exit(f"bench: {Path(argv[0]).name} failed: {result.stderr.decode(errors='replace')[-500:]}")
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def _load() -> str:
    """The machine's load averages (1, 5, 15 minutes)."""
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


if __name__ == "__main__":
    main()
