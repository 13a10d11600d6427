"""Script versions in the database: drafts, review, approval, retirement, and who did what when.

A version is immutable once submitted. ``draft -> in_review -> approved | rejected -> retired``;
only an approved version can be launched. Drafts carry a ``revision`` counter: a save names the
revision it started from and fails with :class:`StaleDraftError` if someone saved in between
(the web editor relies on this). Every state change is a conditional UPDATE, so two reviewers
racing on one version cannot both win, on SQLite or PostgreSQL.

Functions take a :class:`sqlmodel.Session` and only flush; the caller commits. ``designer``
imports nothing of ``runtime``, so the engine comes from the caller.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint, func, update
from sqlmodel import Field, Session, SQLModel, col, select

from designer._schema_fast import structural_errors
from designer.messages import normalize_lang, render
from designer.qa import qa
from designer.robustness import Robustness
from designer.schema import SchemaError
from designer.validate import ValidationReport, validate
from huashu.core.errors import HuashuError, UserError

__all__ = [
    "STATUSES",
    "TRANSITIONS",
    "ScriptRecord",
    "ScriptVersion",
    "ScriptEvent",
    "ScriptSummary",
    "StoreError",
    "NotFoundError",
    "StaleDraftError",
    "TransitionError",
    "InvalidScriptError",
    "ReviewerConflictError",
    "CasesFailingError",
    "previous_approved",
    "BadDocumentError",
    "SchemaRejectedError",
    "import_document",
    "new_draft_from",
    "save_draft",
    "submit",
    "approve",
    "reject",
    "retire",
    "get_version",
    "list_scripts",
    "list_versions",
    "export_document",
    "history",
    "launchable",
]

STATUSES: tuple[str, ...] = ("draft", "in_review", "approved", "rejected", "retired")
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"in_review"}),
    "in_review": frozenset({"approved", "rejected"}),
    "approved": frozenset({"retired"}),
    "rejected": frozenset({"retired"}),
    "retired": frozenset(),
}


def _now() -> datetime:
    return datetime.now(UTC)


def _ts(**kw: Any) -> Any:
    return Field(default=None, sa_type=DateTime(timezone=True), **kw)


class ScriptRecord(SQLModel, table=True):
    __tablename__ = "script"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    business: str = Field(default="", max_length=200, index=True)
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=_now, sa_type=DateTime(timezone=True))


class ScriptVersion(SQLModel, table=True):
    __tablename__ = "script_version"
    __table_args__ = (UniqueConstraint("script_id", "number", name="uq_script_version_number"),)

    id: int | None = Field(default=None, primary_key=True)
    script_id: str = Field(foreign_key="script.id", index=True, max_length=64)
    number: int
    status: str = Field(default="draft", max_length=16, index=True)
    document: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    revision: int = 1
    valid: bool | None = None
    qa_score: int | None = None
    based_on: int | None = None
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=_now, sa_type=DateTime(timezone=True))
    submitted_by: str | None = Field(default=None, max_length=120)
    submitted_at: datetime | None = _ts()
    reviewed_by: str | None = Field(default=None, max_length=120)
    reviewed_at: datetime | None = _ts()
    review_comment: str | None = None
    retired_at: datetime | None = _ts()


class ScriptEvent(SQLModel, table=True):
    __tablename__ = "script_event"

    id: int | None = Field(default=None, primary_key=True)
    script_id: str = Field(foreign_key="script.id", index=True, max_length=64)
    number: int | None = None
    actor: str = Field(max_length=120)
    action: str = Field(max_length=32)  # import | save | new_draft | submit | approve | reject | retire
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    comment: str | None = None
    at: datetime = Field(default_factory=_now, sa_type=DateTime(timezone=True))


class StoreError(HuashuError):
    """Base of the errors a caller can show to the user as they are.

    ``str(e)`` is English (CLI, API, logs); ``key`` and ``params`` name the same sentence for a
    translated page (``store.<key>`` in ``web/i18n``; kept by :class:`HuashuError`). A raise without a
    key shows its English text."""


class NotFoundError(StoreError, LookupError):
    pass


class BadDocumentError(StoreError, UserError):
    """Not a script document at all (not an object, no id or name)."""


class SchemaRejectedError(BadDocumentError):
    """The document does not match the ``huashu.script/1`` JSON Schema; nothing was stored.

    Every import and every draft save is checked: a draft may be incomplete (a branch to
    nowhere), but it is never malformed. The schema is what keeps identifiers identifiers
    (an intent name is ``[A-Za-z_][A-Za-z0-9_]*``, never markup a page could run).
    """

    SHOWN = 3  # problems quoted in the message; ``errors`` has them all

    def __init__(self, errors: list[SchemaError]) -> None:
        self.errors = errors
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:  # type: ignore[override]  # callers pass a language; str(e) is the English
        """What is wrong and where, in ``lang`` (en / zh)."""
        lang = normalize_lang(lang)
        parts = [render("schema", {"path": e.path, "detail": _clip(e.message)}, lang) for e in self.errors[:self.SHOWN]]
        more = len(self.errors) - self.SHOWN
        if lang == "zh":
            head = f"话术不符合 huashu.script/1 格式（{len(self.errors)} 处问题），未保存任何内容。"
            tail = f"另有 {more} 处问题。" if more > 0 else ""
            return head + "".join(parts) + tail
        head = f"The script does not match the huashu.script/1 format ({len(self.errors)} problem(s)); nothing was stored. "
        tail = f" And {more} more." if more > 0 else ""
        return head + " ".join(parts) + tail


def _clip(text: str, limit: int = 160) -> str:
    """A schema complaint quotes the offending value, which may be long: keep the message short."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class StaleDraftError(StoreError):
    def __init__(self, script_id: str, number: int, expected: int, current: int) -> None:
        super().__init__(
            f"{script_id}@{number} was saved by someone else meanwhile (you edited revision {expected}, "
            f"it is now at revision {current}); reload it and apply your change again.",
            key="stale", params={"version": f"{script_id}@{number}", "expected": expected, "current": current},
        )
        self.current = current


class TransitionError(StoreError):
    pass


class InvalidScriptError(StoreError):
    def __init__(self, message: str, report: ValidationReport, *, key: str = "",
                 params: dict[str, Any] | None = None) -> None:
        super().__init__(message, key=key, params=params)
        self.report = report


class ReviewerConflictError(StoreError, PermissionError):
    pass


class CasesFailingError(StoreError):
    """Approval refused: regression cases of the version fail (or were not run)."""

    def __init__(self, message: str, failing: tuple[str, ...] = (), *, key: str = "",
                 params: dict[str, Any] | None = None) -> None:
        super().__init__(message, key=key, params=params)
        self.failing = failing


@dataclass(frozen=True, slots=True)
class ScriptSummary:
    id: str
    name: str
    business: str
    latest: int
    latest_status: str
    approved: int | None
    updated_at: datetime


def _check_doc(doc: Any) -> tuple[str, str]:
    """(id, name) of a document that may be stored: an object with an id and a name that matches
    the JSON Schema. Completeness (dangling links, dead ends) is checked on submit, not here."""
    if not isinstance(doc, dict):
        raise BadDocumentError("a script document must be a JSON object")
    sid, name = doc.get("id"), doc.get("name")
    if not isinstance(sid, str) or not sid.strip() or len(sid) > 64 or "@" in sid:
        raise BadDocumentError("the document has no usable 'id' (text up to 64 characters, no '@')")
    if not isinstance(name, str) or not name.strip():
        raise BadDocumentError("the document has no 'name'")
    problems = structural_errors(doc)
    if problems:
        raise SchemaRejectedError(problems)
    return sid, name


def _event(session: Session, v: ScriptVersion | None, script_id: str, actor: str, action: str,
           frm: str | None, to: str | None, comment: str | None) -> None:
    session.add(ScriptEvent(script_id=script_id, number=v.number if v else None, actor=actor, action=action,
                            from_status=frm, to_status=to, comment=comment))


def get_version(session: Session, script_id: str, number: int | None = None) -> ScriptVersion:
    """A version, or the newest one when ``number`` is None."""
    q = select(ScriptVersion).where(ScriptVersion.script_id == script_id)
    q = q.where(ScriptVersion.number == number) if number is not None else q.order_by(
        col(ScriptVersion.number).desc())
    v = session.exec(q).first()
    if v is None:
        what = f"{script_id}@{number}" if number is not None else script_id
        raise NotFoundError(f"no script version {what}", key="no_version", params={"version": what})
    return v


def _next_number(session: Session, script_id: str) -> int:
    top = session.exec(select(func.max(ScriptVersion.number)).where(ScriptVersion.script_id == script_id)).one()
    return int(top or 0) + 1


def import_document(session: Session, doc: Any, *, actor: str, comment: str | None = None) -> ScriptVersion:
    """Store ``doc`` as a new draft: version 1 of a new script, or the next version of an existing one."""
    sid, name = _check_doc(doc)
    rec = session.get(ScriptRecord, sid)
    if rec is None:
        rec = ScriptRecord(id=sid, name=name, business=str(doc.get("business", "")), created_by=actor)
        session.add(rec)
        session.flush()
    else:
        rec.name, rec.business, rec.updated_at = name, str(doc.get("business", rec.business)), _now()
    v = ScriptVersion(script_id=sid, number=_next_number(session, sid), document=copy.deepcopy(doc),
                      created_by=actor)
    session.add(v)
    session.flush()
    _event(session, v, sid, actor, "import", None, "draft", comment)
    session.flush()
    return v


def new_draft_from(session: Session, script_id: str, number: int, *, actor: str) -> ScriptVersion:
    """Start editing again from any version (a submitted one is never changed in place)."""
    src = get_version(session, script_id, number)
    v = ScriptVersion(script_id=script_id, number=_next_number(session, script_id),
                      document=copy.deepcopy(src.document), created_by=actor, based_on=src.number)
    session.add(v)
    session.flush()
    _event(session, v, script_id, actor, "new_draft", None, "draft", f"from version {number}")
    session.flush()
    return v


def _conditional_update(session: Session, v: ScriptVersion, where: dict[str, Any], values: dict[str, Any]) -> bool:
    stmt = update(ScriptVersion).where(col(ScriptVersion.id) == v.id)
    for k, val in where.items():
        stmt = stmt.where(getattr(ScriptVersion, k) == val)
    result = session.execute(stmt.values(**values))
    session.refresh(v)
    return bool(result.rowcount)  # type: ignore[attr-defined]


def save_draft(session: Session, script_id: str, number: int, doc: Any, *, actor: str,
               revision: int) -> ScriptVersion:
    """Replace a draft's document; ``revision`` is the one the editor loaded."""
    sid, name = _check_doc(doc)
    if sid != script_id:
        raise BadDocumentError(f"the document's id {sid!r} does not match script {script_id!r}")
    v = get_version(session, script_id, number)
    if v.status != "draft":
        raise TransitionError(f"{script_id}@{number} is {v.status}; only drafts can be edited "
                              "(start a new draft from it)", key="not_draft",
                              params={"version": f"{script_id}@{number}", "status": v.status})
    ok = _conditional_update(session, v, {"status": "draft", "revision": revision},
                             {"document": copy.deepcopy(doc), "revision": revision + 1, "updated_at": _now()})
    if not ok:
        if v.status != "draft":
            raise TransitionError(f"{script_id}@{number} was submitted meanwhile; it can no longer be edited",
                                  key="submitted_meanwhile", params={"version": f"{script_id}@{number}"})
        raise StaleDraftError(script_id, number, revision, v.revision)
    rec = session.get(ScriptRecord, script_id)
    if rec is not None:
        rec.name, rec.updated_at = name, _now()
    _event(session, v, script_id, actor, "save", "draft", "draft", None)
    session.flush()
    return v


def _move(session: Session, script_id: str, number: int, to: str, *, actor: str, comment: str | None,
          values: dict[str, Any], action: str) -> ScriptVersion:
    v = get_version(session, script_id, number)
    frm = v.status
    if to not in TRANSITIONS[frm]:
        allowed = ", ".join(sorted(TRANSITIONS[frm])) or "nothing"
        raise TransitionError(f"{script_id}@{number} is {frm}; it cannot become {to} (it can become {allowed})",
                              key="transition", params={"version": f"{script_id}@{number}", "status": frm, "to": to,
                                                        "allowed": sorted(TRANSITIONS[frm])})
    if not _conditional_update(session, v, {"status": frm}, {"status": to, "updated_at": _now(), **values}):
        raise TransitionError(f"{script_id}@{number} changed meanwhile (it is now {v.status})",
                              key="changed_meanwhile", params={"version": f"{script_id}@{number}", "status": v.status})
    _event(session, v, script_id, actor, action, frm, to, comment)
    session.flush()
    return v


def submit(session: Session, script_id: str, number: int, *, actor: str, comment: str | None = None,
           forbidden_words: tuple[str, ...] = (), robustness: Robustness | None = None) -> ScriptVersion:
    """Freeze a draft for review; only a valid script may be submitted. ``robustness`` (the
    attack, measured by the caller: ``runtime.lab.attack.measure``) counts in the QA score."""
    v = get_version(session, script_id, number)
    report = validate(v.document)
    if not report.valid:
        first = report.errors[0]
        raise InvalidScriptError(
            f"{script_id}@{number} has {len(report.errors)} validation error(s) and cannot be submitted; "
            f"first: {first.message}", report, key="invalid",
            params={"version": f"{script_id}@{number}", "n": len(report.errors)})
    score = qa(v.document, forbidden_words=forbidden_words, robustness=robustness).score
    return _move(session, script_id, number, "in_review", actor=actor, comment=comment, action="submit",
                 values={"submitted_by": actor, "submitted_at": _now(), "valid": True, "qa_score": score})


def _review(session: Session, script_id: str, number: int, to: str, *, actor: str, role: str,
            comment: str | None) -> ScriptVersion:
    v = get_version(session, script_id, number)
    if v.submitted_by == actor and role != "admin":
        raise ReviewerConflictError(f"{actor} submitted {script_id}@{number} and cannot review it; "
                                    "another reviewer (or an admin) must", key="own_submission",
                                    params={"actor": actor, "version": f"{script_id}@{number}"})
    return _move(session, script_id, number, to, actor=actor, comment=comment,
                 action="approve" if to == "approved" else "reject",
                 values={"reviewed_by": actor, "reviewed_at": _now(), "review_comment": comment})


def approve(session: Session, script_id: str, number: int, *, actor: str, role: str = "reviewer",
            comment: str | None = None, case_failures: Sequence[str] | None = None,
            override: bool = False) -> ScriptVersion:
    """Approve a version in review.

    A version whose document keeps regression ``cases`` needs their result: the caller runs them
    (``runtime.lab.suites.run_suite``; the designer cannot run the engine) and passes the names of
    the failing ones. While one fails, approval is refused unless the reviewer overrides it with
    a comment that says why; the override and the failing cases are kept in the history."""
    v = get_version(session, script_id, number)
    if v.document.get("cases") and case_failures is None:
        raise CasesFailingError(f"{script_id}@{number} has regression cases; run them before approving",
                                key="cases_not_run", params={"version": f"{script_id}@{number}"})
    failing = tuple(case_failures or ())
    if failing and not override:
        raise CasesFailingError(
            f"{len(failing)} regression case(s) of {script_id}@{number} fail: {', '.join(failing[:5])}"
            f"{' …' if len(failing) > 5 else ''}; fix the script, or override with a comment that says why",
            failing, key="cases_failing",
            params={"n": len(failing), "version": f"{script_id}@{number}",
                    "cases": ", ".join(failing[:5]) + (" …" if len(failing) > 5 else "")})
    if failing and not (comment or "").strip():
        raise CasesFailingError("overriding failing regression cases needs a comment that says why", failing,
                                key="override_needs_comment")
    if failing:
        comment = f"override: {len(failing)} failing case(s) ({', '.join(failing)}): {comment}"
    return _review(session, script_id, number, "approved", actor=actor, role=role, comment=comment)


def previous_approved(session: Session, script_id: str, number: int) -> ScriptVersion | None:
    """The newest version before ``number`` that was approved (and maybe retired since): what a
    reviewer compares a new version with."""
    q = select(func.max(ScriptEvent.number)).where(ScriptEvent.script_id == script_id,
                                                   ScriptEvent.action == "approve",
                                                   col(ScriptEvent.number) < number)
    found = session.exec(q).one()
    return get_version(session, script_id, int(found)) if found is not None else None


def reject(session: Session, script_id: str, number: int, *, actor: str, role: str = "reviewer",
           comment: str) -> ScriptVersion:
    if not comment or not comment.strip():
        raise TransitionError("a rejection needs a comment that tells the designer what to change",
                              key="reject_needs_comment")
    return _review(session, script_id, number, "rejected", actor=actor, role=role, comment=comment)


def retire(session: Session, script_id: str, number: int, *, actor: str, comment: str | None = None) -> ScriptVersion:
    return _move(session, script_id, number, "retired", actor=actor, comment=comment, action="retire",
                 values={"retired_at": _now()})


def launchable(version: ScriptVersion) -> bool:
    """Only an approved version may be launched in a campaign."""
    return version.status == "approved"


def list_versions(session: Session, script_id: str) -> list[ScriptVersion]:
    q = select(ScriptVersion).where(ScriptVersion.script_id == script_id).order_by(col(ScriptVersion.number))
    return list(session.exec(q).all())


def list_scripts(session: Session) -> list[ScriptSummary]:
    out = []
    versions: dict[str, list[tuple[int, str]]] = {}
    # Only the small columns: listing must not load every document.
    q = select(ScriptVersion.script_id, ScriptVersion.number, ScriptVersion.status).order_by(
        col(ScriptVersion.number))
    for sid, number, status in session.exec(q).all():
        versions.setdefault(sid, []).append((number, status))
    for rec in session.exec(select(ScriptRecord).order_by(col(ScriptRecord.id))).all():
        vs = versions.get(rec.id, [])
        if not vs:
            continue
        approved = [n for n, st in vs if st == "approved"]
        out.append(ScriptSummary(rec.id, rec.name, rec.business, vs[-1][0], vs[-1][1],
                                 approved[-1] if approved else None, rec.updated_at))
    return out


def export_document(session: Session, script_id: str, number: int | None = None) -> dict[str, Any]:
    return copy.deepcopy(get_version(session, script_id, number).document)


def history(session: Session, script_id: str) -> list[ScriptEvent]:
    if session.get(ScriptRecord, script_id) is None:
        raise NotFoundError(f"no script {script_id!r}", key="no_script", params={"script": script_id})
    q = select(ScriptEvent).where(ScriptEvent.script_id == script_id).order_by(col(ScriptEvent.id))
    return list(session.exec(q).all())
