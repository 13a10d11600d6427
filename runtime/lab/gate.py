"""Regression cases at the two moments of review: submitting (what changed since the last
approved version) and approving (no approval while a case fails, unless overridden with a
comment). The CLI, the review page and the editor's submit all come through here, so the
designer's store gets the case results it cannot compute itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from designer import store
from runtime.lab.attack import measure
from runtime.lab.suites import CaseChange, SuiteRun, compare, run_suite

__all__ = ["SuiteReview", "review_suite", "approve_checked", "submit_checked"]


@dataclass(slots=True)
class SuiteReview:
    """The version's cases run on it, and the cases whose path changed since ``base`` (the
    previous approved version; None when there is none)."""

    run: SuiteRun
    base: int | None = None
    changes: list[CaseChange] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {**self.run.to_dict(), "base": self.base, "changes": [c.to_dict() for c in self.changes]}


def review_suite(session: Session, script_id: str, number: int) -> SuiteReview:
    v = store.get_version(session, script_id, number)
    prev = store.previous_approved(session, script_id, number)
    if prev is None:
        return SuiteReview(run_suite(v.document))
    run, changes = compare(prev.document, v.document)
    return SuiteReview(run, prev.number, changes)


def submit_checked(session: Session, script_id: str, number: int, *, actor: str, comment: str | None = None,
                   forbidden_words: tuple[str, ...] = ()) -> tuple[store.ScriptVersion, SuiteReview]:
    """Submit with the robustness attack in the QA score, and say what the cases do now."""
    doc = store.get_version(session, script_id, number).document
    v = store.submit(session, script_id, number, actor=actor, comment=comment, forbidden_words=forbidden_words,
                     robustness=measure(doc))
    return v, review_suite(session, script_id, number)


def approve_checked(session: Session, script_id: str, number: int, *, actor: str, role: str = "reviewer",
                    comment: str | None = None, override: bool = False) -> store.ScriptVersion:
    """Approve after running the version's cases (see :func:`designer.store.approve`)."""
    doc = store.get_version(session, script_id, number).document
    failures = run_suite(doc).failed if doc.get("cases") else None
    return store.approve(session, script_id, number, actor=actor, role=role, comment=comment,
                         case_failures=failures, override=override)
