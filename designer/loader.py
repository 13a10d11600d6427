"""Reading a script file: the errors that make input unreadable (exit status 2) as opposed to invalid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from huashu.core.errors import HuashuError

__all__ = ["MAX_SCRIPT_BYTES", "UnreadableInput", "load_json_file", "parse_json_bytes"]

MAX_SCRIPT_BYTES = 10 * 1024 * 1024


class UnreadableInput(HuashuError):
    """The input is not a readable JSON document: not a file, too large, not UTF-8, not JSON."""


def parse_json_bytes(data: bytes, source: str = "input", max_bytes: int = MAX_SCRIPT_BYTES) -> Any:
    if len(data) > max_bytes:
        raise UnreadableInput(
            f"{source}: {len(data):,} bytes is too large (the limit is {max_bytes:,} bytes)"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UnreadableInput(f"{source}: not UTF-8 text (bad byte at offset {e.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise UnreadableInput(f"{source}: not JSON: {_json_reason(e)}") from None


def _json_reason(e: json.JSONDecodeError) -> str:
    """The decoder's message with its position; some messages already end in "at" ("starting at")."""
    where = f"line {e.lineno}, column {e.colno}"
    return f"{e.msg} {where}" if e.msg.endswith(" at") else f"{e.msg} at {where}"


def load_json_file(path: str | Path, max_bytes: int = MAX_SCRIPT_BYTES) -> Any:
    p = Path(path)
    if not p.exists():
        raise UnreadableInput(f"{p}: no such file")
    if not p.is_file():
        raise UnreadableInput(f"{p}: not a file")
    size = p.stat().st_size
    if size > max_bytes:
        raise UnreadableInput(f"{p}: {size:,} bytes is too large (the limit is {max_bytes:,} bytes)")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise UnreadableInput(f"{p}: cannot read: {e.strerror}") from None
    return parse_json_bytes(data, str(p), max_bytes)
