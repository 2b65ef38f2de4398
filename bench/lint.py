"""Migration linting speed against squawk on the same files, best of 3 in the same run.

Point it at a directory of Prisma migrations (``prisma/migrations``: one folder per migration holding
``migration.sql``), for instance a real project's checked out outside this repository; the bench
reads the files where they are and never copies or commits them. It times, as separate processes:

- squawk (``pip install squawk-cli``): ``squawk --reporter json --assume-in-transaction FILES…``;
- pgdiag: ``pgdiag lint-migrations DIR --json -`` (the same files, the JSON report on stdout);
- pgdiag on the first migration alone (start-up: imports and one parse);

and prints each with its ratio to squawk. Target (issue #17): the directory within 10× squawk.

Usage: python bench/lint.py MIGRATIONS_DIR [--squawk PATH]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
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
    # squawk exits 1 when it reports something: both runs only need to finish.
    squawk_s = best_of(lambda: _run([squawk, "--reporter", "json", "--assume-in-transaction", *map(str, files)]))
    pgdiag_s = best_of(lambda: _run([pgdiag, "lint-migrations", str(args.directory), "--json", "-"]))
    single_s = best_of(lambda: _run([pgdiag, "lint-migrations", str(files[0].parent), "--json", "-"]))
    print(f"{len(files)} migrations in {args.directory}; best of 3 runs each; load {_load()}")
    print(f"{'squawk (floor)':32} {squawk_s:7.3f} s   1.0x")
    print(f"{'pgdiag lint-migrations':32} {pgdiag_s:7.3f} s {pgdiag_s / squawk_s:5.1f}x")
    print(f"{'pgdiag on one migration':32} {single_s:7.3f} s {single_s / squawk_s:5.1f}x")
    print(f"target: within 10x squawk: {'met' if pgdiag_s <= 10 * squawk_s else 'NOT met'}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="a prisma/migrations directory")
    parser.add_argument("--squawk", help="the squawk executable (default: on PATH or beside this Python)")
    return parser.parse_args()


def _run(argv: list[str]) -> None:
    """Run one process to completion, its output discarded; exit codes 0 and 1 (findings) are both fine."""
    result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if result.returncode not in (0, 1):
        sys.exit(f"bench: {Path(argv[0]).name} failed: {result.stderr.decode(errors='replace')[-500:]}")


def _load() -> str:
    """The machine's load averages (1, 5, 15 minutes)."""
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


if __name__ == "__main__":
    main()
