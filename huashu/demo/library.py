"""Put the script library into the designer store and get the demo script approved.

Idempotent: a script already in the store is not imported again, and an approved version
is reused. The submit and the approval are made by two distinct system actors, as the
review rules demand (nobody approves their own submission).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from designer import store
from huashu.core.errors import NotFound
from runtime.lab.gate import approve_checked, submit_checked
from scripts_library import library_paths

__all__ = ["LibraryResult", "ensure_library", "ensure_approved", "DESIGNER_ACTOR", "REVIEWER_ACTOR"]

DESIGNER_ACTOR = "system:demo-designer"
REVIEWER_ACTOR = "system:demo-reviewer"


@dataclass(frozen=True, slots=True)
class LibraryResult:
    imported: list[str]
    present: list[str]


def ensure_library(engine: Engine) -> LibraryResult:
    """Import every library script the store does not have yet."""
    imported, present = [], []
    with Session(engine) as s:
        for path in library_paths():
            doc = json.loads(path.read_text(encoding="utf-8"))
            sid = str(doc["id"])
            if s.get(store.ScriptRecord, sid) is not None:
                present.append(sid)
                continue
            store.import_document(s, doc, actor=DESIGNER_ACTOR, comment=f"demo: imported from {path.name}")
            imported.append(sid)
        s.commit()
    return LibraryResult(imported, present)


def ensure_approved(engine: Engine, script_id: str) -> int:
    """The number of an approved version of ``script_id``, submitting and approving the latest draft if none is."""
    with Session(engine) as s:
        versions = store.list_versions(s, script_id)
        if not versions:
            raise NotFound(f"script {script_id} is not in the store")
        for v in reversed(versions):
            if v.status == "approved":
                return v.number
        v = versions[-1]
        # through the lab's gate: QA with the attack, and a version with regression cases runs them
        if v.status == "draft":
            submit_checked(s, script_id, v.number, actor=DESIGNER_ACTOR, comment="demo: submitted for review")
        approve_checked(s, script_id, v.number, actor=REVIEWER_ACTOR, role="reviewer", comment="demo: approved")
        s.commit()
        return v.number
