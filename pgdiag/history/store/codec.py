"""How snapshots and findings are written into a store: gzip-compressed JSON frames, one JSON document per finding."""

from __future__ import annotations

import gzip
import json
import zlib

from pgdiag.core.errors import PgdiagError
from pgdiag.core.findings import Finding
from pgdiag.core.snapshot import Snapshot


def encode_snapshot(snapshot: Snapshot) -> bytes:
    """The whole snapshot (frames, target, collector status) as gzip-compressed JSON."""
    return gzip.compress(json.dumps(snapshot.to_dict(), default=str).encode("utf-8"), compresslevel=6)


def decode_snapshot(blob: bytes) -> Snapshot:
    """A snapshot from `encode_snapshot` output; damage is a one-line error."""
    try:
        doc = json.loads(gzip.decompress(blob).decode("utf-8"))
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        raise PgdiagError(f"damaged snapshot data ({exc})") from None
    return Snapshot.from_dict(doc)


def encode_finding(finding: Finding) -> str:
    """A finding as its JSON contract document (DESIGN §4)."""
    return json.dumps(finding.to_dict(), default=str, sort_keys=True)


def decode_finding(doc: str) -> Finding:
    """A finding from `encode_finding` output."""
    try:
        return Finding.from_dict(json.loads(doc))
    except (ValueError, KeyError, TypeError) as exc:
        raise PgdiagError(f"damaged finding ({exc})") from None
