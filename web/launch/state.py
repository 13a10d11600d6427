"""Where a wizard keeps its draft between pages: the server-side session, and one private file.

The draft is a plain dict under ``session["launch"][wid]``; an uploaded list is copied to
``<data_dir>/uploads/wizard/<wid><suffix>`` (0600) until the task is created (then the core's
data source gets its own copy) or the wizard is cancelled. At most :data:`MAX_DRAFTS` wizards per
session: the oldest is dropped, with its file, when a new one starts.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from runtime.private_files import make_private, private_dir
from web.launch.wizard import Draft

__all__ = ["MAX_DRAFTS", "LIST_SUFFIXES", "new_wid", "load", "save", "drop", "wizard_dir", "store_upload",
           "remove_upload"]

MAX_DRAFTS = 5
#: the list files the core reads (runtime.campaigns.uploads.read_upload)
LIST_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
_KEY = "launch"


def new_wid() -> str:
    return secrets.token_hex(8)


def _drafts(session: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(session, dict):
        raise RuntimeError("the launch wizard needs a server-side session")
    drafts = session.setdefault(_KEY, {})
    assert isinstance(drafts, dict)
    return drafts


def load(session: Any, wid: str) -> Draft | None:
    d = _drafts(session).get(wid)
    return Draft.from_dict(d) if isinstance(d, dict) else None


def save(session: Any, draft: Draft) -> None:
    drafts = _drafts(session)
    drafts.pop(draft.wid, None)
    while len(drafts) >= MAX_DRAFTS:
        oldest = next(iter(drafts))
        remove_upload(drafts.pop(oldest).get("upload_path"))
    drafts[draft.wid] = draft.to_dict()  # insertion order = age


def drop(session: Any, wid: str) -> None:
    d = _drafts(session).pop(wid, None)
    if isinstance(d, dict):
        remove_upload(d.get("upload_path"))
    if isinstance(session, dict) and not session.get(_KEY):
        session.pop(_KEY, None)


def wizard_dir(data_dir: Path) -> Path:
    return private_dir(Path(data_dir) / "uploads" / "wizard")


def store_upload(data_dir: Path, wid: str, filename: str, body: bytes) -> Path:
    """The wizard's copy of an uploaded list; the name is ours (the user's only picks the suffix)."""
    suffix = Path(filename).suffix.lower()
    if suffix not in LIST_SUFFIXES:
        raise ValueError(suffix)
    folder = wizard_dir(data_dir)
    for old in folder.glob(f"{wid}.*"):
        old.unlink(missing_ok=True)
    dest = folder / f"{wid}{suffix}"
    dest.write_bytes(body)
    return make_private(dest)


def remove_upload(path: Any) -> None:
    if isinstance(path, str) and path:
        Path(path).unlink(missing_ok=True)
