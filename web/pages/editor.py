"""The editor page and its draft endpoints (load, autosave with the optimistic revision, submit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post, put
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlmodel import Session, col, select

from designer import store
from runtime.lab.gate import submit_checked
from web.auth.guards import can, require_permission
from web.auth.roles import Permission
from web.deps import CurrentUser, DbSession, SettingsDep, TranslatorDep
from web.forms import URL_ENCODED, CommentForm
from web.i18n.errors import say_error
from web.pages.editor_review import rejection_note
from web.render import flash, page, translator

__all__ = ["EditorController", "DraftBody", "editable_version"]

VIEW = {"permission": Permission.VIEW_SCRIPTS}
EDIT = {"permission": Permission.EDIT_SCRIPTS}


@dataclass
class DraftBody:
    """An autosave: ``{"doc": {...}, "revision": <int>, "number": <int>, "force": false}``. ``Any``
    fields, checked by the handler so a bad body gets its sentence; ``force`` overwrites a
    newer save knowingly."""

    doc: Any = None
    revision: Any = None
    number: Any = None
    force: Any = None


def editable_version(s: Session, key: str, number: int | None = None) -> store.ScriptVersion:
    try:
        return store.get_version(s, key, number)
    except store.NotFoundError as e:
        raise NotFoundException(str(e)) from None


def _last_saver(s: Session, key: str, number: int) -> str | None:
    q = (
        select(store.ScriptEvent)
        .where(store.ScriptEvent.script_id == key, store.ScriptEvent.number == number)
        .order_by(col(store.ScriptEvent.id).desc())
    )
    ev = s.exec(q).first()
    return ev.actor if ev else None


def _edit_path(key: str) -> str:
    return f"/scripts/{quote(key, safe='')}/edit"


class EditorController(Controller):
    path = "/scripts/{key:str}"
    guards = [require_permission]
    opt = VIEW

    @get("/edit", sync_to_thread=True)
    def editor_page(self, request: Request[Any, Any, Any], db_session: DbSession, t: TranslatorDep,
                    key: FromPath[str]) -> Template:
        v = editable_version(db_session, key)
        name = v.document.get("name", key) if isinstance(v.document, dict) else key
        record = {"key": key, "name": name, "status": v.status, "number": v.number}
        review_note = rejection_note(db_session, v)
        can_edit = v.status == "draft" and can(request, Permission.EDIT_SCRIPTS)
        can_talk = can(request, Permission.TEST_TALK)
        boot = {
            "scriptKey": key,
            "number": v.number,
            "canEdit": can_edit,
            "canTalk": can_talk,
            "i18n": t.messages("ed."),
        }
        return page(request, "editor.html", record=record, can_edit=can_edit, can_talk=can_talk, boot=boot,
                    not_draft=v.status != "draft", review_note=review_note)

    @get("/draft", sync_to_thread=True)
    def load_draft(self, db_session: DbSession, key: FromPath[str],
                   version: FromQuery[int | None] = None) -> dict[str, Any]:
        """The newest version (what the editor edits), or ``version`` (what a reviewer test-talks)."""
        v = editable_version(db_session, key, version)
        return {"doc": v.document, "revision": v.revision, "number": v.number, "status": v.status}

    @put("/draft", opt=EDIT, sync_to_thread=True)
    def save_draft(self, db_session: DbSession, current_user: CurrentUser, t: TranslatorDep, key: FromPath[str],
                   data: DraftBody) -> Response[Any]:
        """200 with the new revision; 409 when someone saved meanwhile (nothing is overwritten)."""
        doc, revision, number = data.doc, data.revision, data.number
        if not isinstance(doc, dict) or not isinstance(revision, int):
            return Response({"error": "the body must be {\"doc\": {...}, \"revision\": <int>}"}, status_code=400)
        try:
            v = editable_version(db_session, key, number if isinstance(number, int) else None)
            if data.force is True:
                revision = v.revision  # the user chose to overwrite the other save, knowingly
            v = store.save_draft(db_session, key, v.number, doc, actor=current_user.username, revision=revision)
            return Response({"revision": v.revision, "number": v.number})
        except store.StaleDraftError as e:
            db_session.rollback()
            by = _last_saver(db_session, key, number if isinstance(number, int)
                             else editable_version(db_session, key).number)
            return Response({"error": say_error(t, e), "revision": e.current, "by": by}, status_code=409)
        except store.TransitionError as e:
            db_session.rollback()
            return Response({"error": say_error(t, e)}, status_code=409)
        except store.SchemaRejectedError as e:  # nothing stored; say what and where, in the reader's language
            db_session.rollback()
            problems = [{"path": x.path, "message": x.message} for x in e.errors]
            return Response({"error": e.message(t.lang), "problems": problems}, status_code=422)
        except store.BadDocumentError as e:
            db_session.rollback()
            return Response({"error": str(e)}, status_code=422)

    @post("/submit", opt=EDIT, sync_to_thread=True)
    def submit(self, request: Request[Any, Any, Any], db_session: DbSession, current_user: CurrentUser,
               settings: SettingsDep, t: TranslatorDep, key: FromPath[str],
               data: Annotated[CommentForm, URL_ENCODED]) -> Redirect:
        try:
            v = editable_version(db_session, key)
            submit_checked(db_session, key, v.number, actor=current_user.username, comment=data.comment or None,
                           forbidden_words=tuple(settings.forbidden_words))
            number = v.number
        except store.StoreError as e:
            db_session.rollback()
            flash(request, say_error(translator(request), e), "error")
            return Redirect(path=_edit_path(key))
        flash(request, t("review.submitted", number=number))
        return Redirect(path=_edit_path(key))

    @post("/versions/{number:int}/new-draft", opt=EDIT, sync_to_thread=True)
    def new_draft(self, request: Request[Any, Any, Any], db_session: DbSession, current_user: CurrentUser,
                  key: FromPath[str], number: FromPath[int]) -> Redirect:
        try:
            store.new_draft_from(db_session, key, number, actor=current_user.username)
        except store.StoreError as e:
            db_session.rollback()
            flash(request, say_error(translator(request), e), "error")
        return Redirect(path=_edit_path(key))
