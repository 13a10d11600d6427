"""Where a wizard keeps its draft between pages: one private folder, never a database row.

``<data_dir>/uploads/wizard/<wid>.json`` holds the draft and the user it belongs to; an uploaded
list sits beside it as ``<wid><suffix>`` until the task is created (the core's data source then
gets its own copy) or the wizard is cancelled. Both are 0600 and go with the wizard.

Not the session: the server-side session is written whole at the end of every request, so a
request that started before a wizard page (the editor's autosave, a poll) and ends after it
puts back a session without the draft — seen in Chromium as a wizard lost between two clicks.
A wizard's file is written only by its own pages. Wizards left half-way are swept after
:data:`MAX_AGE_S` (and the uploads retention removes anything under ``uploads/`` too).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from huashu.core.private_files import make_private, private_dir
from web.launch.wizard import Draft

__all__ = ["Drafts", "MAX_AGE_S", "LIST_SUFFIXES", "new_wid", "load", "save", "drop", "wizard_dir", "store_upload",
           "remove_upload", "sweep"]

MAX_AGE_S = 24 * 3600
#: the list files the core reads (runtime.campaigns.uploads.read_upload)
LIST_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
_WID = re.compile(r"^[0-9a-f]{16}$")


def new_wid() -> str:
    return secrets.token_hex(8)


def wizard_dir(data_dir: Path) -> Path:
    return private_dir(Path(data_dir) / "uploads" / "wizard")


def _file(data_dir: Path, wid: str) -> Path | None:
    """The draft's file; None for a wid that is not one of ours (it names a path)."""
    return wizard_dir(data_dir) / f"{wid}.json" if _WID.match(wid) else None


def load(data_dir: Path, owner: str, wid: str) -> Draft | None:
    """The wizard's draft, if it exists and is this user's (another user's is not found)."""
    path = _file(data_dir, wid)
    if path is None or not path.is_file():
        return None
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("owner") != owner or not isinstance(stored.get("draft"), dict):
        return None
    return Draft.from_dict(stored["draft"])


def save(data_dir: Path, owner: str, draft: Draft) -> None:
    path = _file(data_dir, draft.wid)
    if path is None:
        raise ValueError(f"not a wizard id: {draft.wid!r}")
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"owner": owner, "draft": draft.to_dict()}, f, ensure_ascii=False)
    tmp.replace(path)  # a page never reads half a draft


def drop(data_dir: Path, owner: str, wid: str) -> None:
    """End a wizard: its draft and its uploaded list go."""
    draft = load(data_dir, owner, wid)
    if draft is None:
        return
    remove_upload(draft.upload_path)
    path = _file(data_dir, wid)
    if path is not None:
        path.unlink(missing_ok=True)


def sweep(data_dir: Path, now: float | None = None) -> int:
    """Remove wizards (drafts and lists) untouched for :data:`MAX_AGE_S`; returns how many files."""
    cutoff = (now if now is not None else time.time()) - MAX_AGE_S
    gone = 0
    for p in wizard_dir(data_dir).iterdir():
        try:
            if p.is_file() and p.stat().st_mtime < cutoff:
                p.unlink()
                gone += 1
        except OSError:
            continue
    return gone


def store_upload(data_dir: Path, wid: str, filename: str, body: bytes) -> Path:
    """The wizard's copy of an uploaded list; the name is ours (the user's only picks the suffix)."""
    suffix = Path(filename).suffix.lower()
    if suffix not in LIST_SUFFIXES or not _WID.match(wid):
        raise ValueError(suffix)
    folder = wizard_dir(data_dir)
    for s in LIST_SUFFIXES:
        (folder / f"{wid}{s}").unlink(missing_ok=True)
    dest = folder / f"{wid}{suffix}"
    dest.write_bytes(body)
    return make_private(dest)


def remove_upload(path: Any) -> None:
    if isinstance(path, str) and path:
        Path(path).unlink(missing_ok=True)


@dataclass(frozen=True)
class Drafts:
    """One user's wizards in the app's data folder: what the launch pages are given (a
    dependency of :class:`web.launch.routes.LaunchController`) instead of reading the folder and
    the user off the request each time."""

    data_dir: Path
    owner: str

    def load(self, wid: str) -> Draft | None:
        return load(self.data_dir, self.owner, wid)

    def save(self, draft: Draft) -> None:
        save(self.data_dir, self.owner, draft)

    def drop(self, wid: str) -> None:
        drop(self.data_dir, self.owner, wid)
