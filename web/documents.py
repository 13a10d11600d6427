"""Making script documents for the web app: a blank one, a copy from the library, an uploaded file.

Pure functions plus the file read at the edge; the store (``designer.store``) keeps them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from designer.loader import UnreadableInput, load_json_file, parse_json_bytes
from designer.model import FORMAT

__all__ = ["DocumentError", "blank_document", "slug_for", "parse_upload", "library_entries", "load_library", "unique_id"]

_SLUG = re.compile(r"[^a-z0-9]+")


class DocumentError(ValueError):
    """An uploaded or requested document we cannot take, with a message that says why."""


def slug_for(name: str) -> str:
    """An id from a name: ASCII letters and digits of the name, or a random one for a Chinese name."""
    slug = _SLUG.sub("-", name.lower()).strip("-")[:40]
    return slug or f"script-{secrets.token_hex(3)}"


def unique_id(wanted: str, exists: Callable[[str], bool]) -> str:
    if not exists(wanted):
        return wanted
    n = 2
    while exists(f"{wanted}-{n}"):
        n += 1
    return f"{wanted}-{n}"


def blank_document(script_id: str, name: str, language: str) -> dict[str, Any]:
    """The smallest start: one opening node the designer grows with Tab and Enter."""
    chinese = language.lower().startswith("zh")
    return {
        "format": FORMAT,
        "id": script_id,
        "name": name,
        "language": language,
        "variables": {},
        "settings": {"silence_timeout_ms": 5000, "max_consecutive_silences": 2, "dtmf_timeout_ms": 3000, "max_turns": 30},
        "start": "open",
        "nodes": [
            {"id": "open", "type": "say_listen", "title": "开场" if chinese else "Opening", "prompt": {"text": ""}, "branches": []}
        ],
        "global_handlers": [],
        "intents": {},
        "intent_rules": [],
    }


def parse_upload(data: bytes, filename: str) -> dict[str, Any]:
    """An uploaded script file -> document. Too large, not UTF-8, not JSON, or not a script: DocumentError."""
    try:
        doc = parse_json_bytes(data, filename or "upload")
    except UnreadableInput as e:
        raise DocumentError(str(e)) from None
    if not isinstance(doc, dict):
        raise DocumentError(f"{filename}: a script file holds one JSON object, not {type(doc).__name__}")
    if doc.get("format") != FORMAT:
        raise DocumentError(f"{filename}: not a Huashu script (\"format\" must be \"{FORMAT}\", found {doc.get('format')!r})")
    return doc


def library_entries() -> list[tuple[str, str]]:
    """(file name, script name) of every ready-made script, for the "new from library" menu."""
    from scripts_library import library_paths

    out = []
    for p in library_paths():
        try:
            doc = load_json_file(p)
        except UnreadableInput:
            continue
        out.append((p.name, str(doc.get("name", p.stem)) if isinstance(doc, dict) else p.stem))
    return out


def load_library(file_name: str) -> dict[str, Any]:
    from scripts_library import library_paths

    for p in library_paths():
        if p.name == file_name:
            doc = load_json_file(Path(p))
            if isinstance(doc, dict):
                return doc
    raise DocumentError(f"no script named {file_name!r} in the library")
