"""How snapshots and findings are written into a store: gzip-compressed JSON frames, one JSON document per finding."""

from __future__ import annotations

import gzip
import json
import zlib

from pgdiag.core.errors import PgdiagError
from pgdiag.core.findings import Finding
from pgdiag.core.snapshot import Snapshot

_CHUNK = 1 << 20  # inflated bytes held at once while checking a snapshot


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


def check_compressed(blob: bytes) -> None:
    """Raise a one-line error when `blob` is not a whole gzip stream whose CRC matches, without keeping what
    it inflates to: the cheap way to find damage inside a stored snapshot or plan (random bytes in a blob
    pass SQLite's own checks, not gzip's CRC)."""
    inflater = zlib.decompressobj(wbits=31)  # gzip wrapper: the trailer's CRC-32 and length are verified
    pending = blob
    try:
        while not inflater.eof:
            produced = inflater.decompress(pending, _CHUNK)  # at most _CHUNK bytes at a time, then dropped
            pending = inflater.unconsumed_tail
            if not produced and not pending:
                break
    except zlib.error as exc:
        raise PgdiagError(f"damaged compressed data ({exc})") from None
    if not inflater.eof or inflater.unused_data:
        raise PgdiagError("damaged compressed data (truncated or followed by other bytes)")


def encode_finding(finding: Finding) -> str:
    """A finding as its JSON contract document (DESIGN §4)."""
    return json.dumps(finding.to_dict(), default=str, sort_keys=True)


def decode_finding(doc: str) -> Finding:
    """A finding from `encode_finding` output."""
    try:
        return Finding.from_dict(json.loads(doc))
    except (ValueError, KeyError, TypeError) as exc:
        raise PgdiagError(f"damaged finding ({exc})") from None
