"""Version history with the node-by-node diff, the review queue, and the review page (approve / reject)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlmodel import Session, col, select

from designer import store
from designer.diff import diff_scripts
from designer.localize import titles_of
from runtime.lab.gate import approve_checked, review_suite
from runtime.lab.suites import CaseError
from web.auth.guards import can, require_permission
from web.auth.models import User
from web.auth.roles import Permission
from web.checking import check_document
from web.deps import CurrentUser, DbSession, TranslatorDep
from web.forms import URL_ENCODED, CommentForm, is_checked
from web.i18n import Translator
from web.i18n.errors import say_error
from web.pages.qa_view import qa_metric_rows
from web.render import flash, page, translator

_log = logging.getLogger(__name__)

__all__ = ["ReviewController", "ReviewQueueController", "DecisionForm"]

VIEW = {"permission": Permission.VIEW_SCRIPTS}
REVIEW = {"permission": Permission.REVIEW_SCRIPTS}
RETIRE = {"permission": Permission.RETIRE_SCRIPTS}


@dataclass
class DecisionForm:
    """Approve or reject: the comment, and the reviewer's override of a failed regression suite."""

    comment: str = ""
    override: str = ""


def _suite(s: Any, key: str, number: int) -> dict[str, Any] | None:
    """The version's regression cases and what changed since the last approved version (None: no cases)."""
    try:
        review = review_suite(s, key, number)
    except CaseError as e:
        return {"error": str(e), "cases": [], "failed": [], "changes": [], "base": None, "passed": 0}
    return review.to_dict() if review.run.cases else None


def _decide(request: Request[Any, Any, Any], s: Session, user: User, t: Translator, key: str, number: int,
            decision: str, comment: str, override: bool = False) -> Redirect:
    background = None
    try:
        if decision == "approve":
            v = approve_checked(s, key, number, actor=user.username, role=user.role, comment=comment or None,
                                override=override)
            # the static prompts go into the prompt cache now, after the reviewer has the page back
            background = BackgroundTask(_prerender, dict(v.document), request.app.state.settings)
        else:
            store.reject(s, key, number, actor=user.username, role=user.role, comment=comment)
    except store.StoreError as e:
        s.rollback()
        flash(request, say_error(translator(request), e), "error")
    else:
        flash(request, t(f"review.done.{decision}", number=number))
    return Redirect(path=f"/scripts/{quote(key, safe='')}/review?version={number}", background=background)


def _prerender(document: dict[str, Any], settings: Any) -> None:
    from runtime.speech.preview import prerender_version

    try:
        report = prerender_version(document, settings)
    except Exception as e:  # noqa: BLE001 - no TTS here: the approval stands, calls render with fallback
        _log.warning("prompts of %s not pre-rendered: %s", document.get("id"), e)
        return
    if report.failures:
        _log.warning("prompts of %s not pre-rendered: %s", document.get("id"), "; ".join(report.failures))


class ReviewQueueController(Controller):
    path = "/reviews"
    guards = [require_permission]
    opt = REVIEW

    @get("/", sync_to_thread=True)
    def review_queue(self, request: Request[Any, Any, Any], db_session: DbSession) -> Template:
        q = select(store.ScriptVersion).where(store.ScriptVersion.status == "in_review").order_by(
            col(store.ScriptVersion.submitted_at)
        )
        pending = [
            {"key": v.script_id, "number": v.number, "name": v.document.get("name", v.script_id),
             "by": v.submitted_by, "at": v.submitted_at, "qa": v.qa_score}
            for v in db_session.exec(q).all()
        ]
        return page(request, "reviews.html", pending=pending)


class ReviewController(Controller):
    """A script's history with the diff, its review page, and the decisions on a version."""

    path = "/scripts/{key:str}"
    guards = [require_permission]
    opt = VIEW

    @get("/history", sync_to_thread=True)
    def history_page(self, request: Request[Any, Any, Any], db_session: DbSession, key: FromPath[str],
                     a: FromQuery[int | None] = None, b: FromQuery[int | None] = None) -> Template:
        try:
            events = store.history(db_session, key)
        except store.NotFoundError as e:
            raise NotFoundException(str(e)) from None
        versions = store.list_versions(db_session, key)
        numbers = [v.number for v in versions]
        diff = None
        if len(versions) >= 2 or (a is not None and b is not None):
            a = a if a in numbers else (numbers[-2] if len(numbers) >= 2 else numbers[0])
            b = b if b in numbers else numbers[-1]
            docs = {v.number: v.document for v in versions}
            diff = diff_scripts(docs[a], docs[b])
        name = versions[-1].document.get("name", key) if versions else key
        return page(request, "history.html", key=key, name=name, versions=versions, events=events, diff=diff,
                    a=a, b=b)

    @get("/review", sync_to_thread=True)
    def review_page(self, request: Request[Any, Any, Any], db_session: DbSession, current_user: CurrentUser,
                    t: TranslatorDep, key: FromPath[str], version: FromQuery[int | None] = None) -> Template:
        """Reviewers decide here; designers come here to read why a version was rejected."""
        s = db_session
        versions = store.list_versions(s, key)
        if not versions:
            raise NotFoundException(f"no script {key!r}")
        if version is None:
            in_review = [v for v in versions if v.status == "in_review"]
            reviewed = [v for v in versions if v.reviewed_at is not None]
            chosen = (in_review or reviewed or versions)[-1]
        else:
            found = [v for v in versions if v.number == version]
            if not found:
                raise NotFoundException(f"no script version {key}@{version}")
            chosen = found[0]
        doc = chosen.document
        events = [e for e in store.history(s, key) if e.number == chosen.number and e.action != "save"]
        previous = [v for v in versions if v.number < chosen.number and v.status in ("approved", "retired")]
        diff = diff_scripts(previous[-1].document, doc) if previous else None
        suite = _suite(s, key, chosen.number)
        info = {"key": key, "number": chosen.number, "status": chosen.status, "name": doc.get("name", key),
                "submitted_by": chosen.submitted_by, "reviewed_by": chosen.reviewed_by,
                "review_comment": chosen.review_comment, "based_on": previous[-1].number if previous else None}
        report = check_document(doc, t.lang)
        qa_report = report.get("qa") or {}
        metric_rows = qa_metric_rows(qa_report.get("metrics") or {}, t, titles_of(doc), qa_report.get("score"))
        may_review = can(request, Permission.REVIEW_SCRIPTS) and info["status"] == "in_review"
        own = info["submitted_by"] == current_user.username and current_user.role != "admin"
        return page(request, "review.html", v=info, report=report, metric_rows=metric_rows, events=events,
                    diff=diff, suite=suite, attack=report.get("attack"),
                    may_review=may_review and not own, own_submission=own and may_review,
                    variables={k: (v or {}).get("example", "") for k, v in (doc.get("variables") or {}).items()})

    @post("/versions/{number:int}/approve", opt=REVIEW, sync_to_thread=True)
    def approve(self, request: Request[Any, Any, Any], db_session: DbSession, current_user: CurrentUser, t: TranslatorDep,
                key: FromPath[str], number: FromPath[int], data: Annotated[DecisionForm, URL_ENCODED]) -> Redirect:
        return _decide(request, db_session, current_user, t, key, number, "approve", data.comment.strip(),
                       override=is_checked(data.override))

    @post("/versions/{number:int}/reject", opt=REVIEW, sync_to_thread=True)
    def reject(self, request: Request[Any, Any, Any], db_session: DbSession, current_user: CurrentUser, t: TranslatorDep,
               key: FromPath[str], number: FromPath[int], data: Annotated[DecisionForm, URL_ENCODED]) -> Redirect:
        return _decide(request, db_session, current_user, t, key, number, "reject", data.comment.strip())

    @post("/versions/{number:int}/retire", opt=RETIRE, sync_to_thread=True)
    def retire(self, request: Request[Any, Any, Any], db_session: DbSession, current_user: CurrentUser,
               key: FromPath[str], number: FromPath[int], data: Annotated[CommentForm, URL_ENCODED]) -> Redirect:
        try:
            store.retire(db_session, key, number, actor=current_user.username, comment=data.comment or None)
        except store.StoreError as e:
            db_session.rollback()
            flash(request, say_error(translator(request), e), "error")
        return Redirect(path=f"/scripts/{quote(key, safe='')}/history")
