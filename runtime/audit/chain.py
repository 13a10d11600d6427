"""The hash chain: a canonical encoding of an entry, and the hash that links it to the last.

``hash = sha256(prev_hash || canonical(entry))``: editing any field, deleting or inserting an
entry changes a hash that a later entry (or the head) has already fixed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["FIELDS", "canonical", "entry_hash", "to_json"]

FIELDS = ("seq", "at", "actor", "address", "action", "target_kind", "target_id", "before", "after")


def to_json(value: Any) -> str | None:
    """Canonical JSON of a before/after value (sorted keys, no spaces); None stays None."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def canonical(row: dict[str, Any] | Any) -> bytes:
    get = row.get if isinstance(row, dict) else (lambda k: getattr(row, k))
    return json.dumps([get(f) for f in FIELDS], ensure_ascii=False, separators=(",", ":")).encode()


def entry_hash(prev_hash: str, row: dict[str, Any] | Any) -> str:
    h = hashlib.sha256(prev_hash.encode("ascii"))
    h.update(canonical(row))
    return h.hexdigest()
