"""What the reviewer said, for the editor: the rejection comment on the version being edited, or on
the rejected version a new draft was started from (the designer fixes what the comment asks)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from designer import store

__all__ = ["rejection_note"]


def rejection_note(s: Session, v: store.ScriptVersion) -> dict[str, Any] | None:
    """``{"number", "by", "comment"}`` of the rejection that concerns ``v``, or None."""
    rejected: store.ScriptVersion | None = v if v.status == "rejected" else None
    if rejected is None and v.based_on is not None:
        try:
            src = store.get_version(s, v.script_id, v.based_on)
        except store.NotFoundError:
            src = None
        rejected = src if src is not None and src.status == "rejected" else None
    if rejected is None or not (rejected.review_comment or "").strip():
        return None
    return {"number": rejected.number, "by": rejected.reviewed_by or "?", "comment": rejected.review_comment}
