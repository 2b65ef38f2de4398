"""``pgdiag history``: list the snapshots in a store, and apply retention with ``--keep``."""

from __future__ import annotations

import json

from pgdiag.cli.output import JsonOption, check_destinations
from pgdiag.cli.tracking import (
    KeepOption,
    StoreOption,
    TargetFilterOption,
    apply_retention,
    open_for_reading,
)


def history(store: StoreOption = None, target: TargetFilterOption = None, json_out: JsonOption = None,
            keep: KeepOption = None) -> None:
    """List the stored snapshots, oldest first (with --keep, delete old ones first)."""
    from pgdiag.history.retention import parse_keep
    from pgdiag.render import write_output
    from pgdiag.render.snapshot_list import history_document, print_history

    check_destinations(json_out)
    period = parse_keep(keep) if keep else None
    with open_for_reading(store) as opened:
        apply_retention(opened, period)
        snapshots = opened.snapshots(target)
        display = opened.display
    if json_out:
        write_output(json_out, json.dumps(history_document(display, snapshots), indent=2) + "\n")
    if json_out != "-":
        print_history(display, snapshots)
