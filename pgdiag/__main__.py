"""Allow `python -m pgdiag`."""

from pgdiag.cli import main

main()
