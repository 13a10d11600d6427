"""The editor page and its draft endpoints (load, autosave with the optimistic revision, submit)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import anyio
from litestar import Request, Response, get, post, put
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler
from sqlmodel import Session, col, select

from designer import store
from runtime.lab.gate import submit_checked
from web.auth.guards import can, require_permission
from web.auth.roles import Permission
from web.i18n.errors import say_error
from web.pages._common import Form, actor, db
from web.render import flash, page, translator

__all__ = ["editor_routes", "editable_version"]

VIEW = {"permission": Permission.VIEW_SCRIPTS}
EDIT = {"permission": Permission.EDIT_SCRIPTS}


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


@get("/scripts/{key:str}/edit", guards=[require_permission], opt=VIEW, sync_to_thread=True)
def editor_page(request: Request[Any, Any, Any], key: FromPath[str]) -> Template:
    t = translator(request)
    with db(request) as s:
        v = editable_version(s, key)
        name = v.document.get("name", key) if isinstance(v.document, dict) else key
        record = {"key": key, "name": name, "status": v.status, "number": v.number}
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
                not_draft=v.status != "draft")


@get("/scripts/{key:str}/draft", guards=[require_permission], opt=VIEW)
async def load_draft(request: Request[Any, Any, Any], key: FromPath[str], version: FromQuery[int | None] = None) -> dict[str, Any]:
    """The newest version (what the editor edits), or ``version`` (what a reviewer test-talks).

    async with an explicit thread: see ``web.pages.users.users_page`` (GET next to PUT on one path).
    """

    def read() -> dict[str, Any]:
        with db(request) as s:
            v = editable_version(s, key, version)
            return {"doc": v.document, "revision": v.revision, "number": v.number, "status": v.status}

    return await anyio.to_thread.run_sync(read)


@put("/scripts/{key:str}/draft", guards=[require_permission], opt=EDIT, sync_to_thread=True)
def save_draft(request: Request[Any, Any, Any], key: FromPath[str], data: JSONBody[dict[str, Any]]) -> Response[Any]:
    """200 with the new revision; 409 when someone saved meanwhile (nothing is overwritten)."""
    doc, revision, number = data.get("doc"), data.get("revision"), data.get("number")
    if not isinstance(doc, dict) or not isinstance(revision, int):
        return Response({"error": "the body must be {\"doc\": {...}, \"revision\": <int>}"}, status_code=400)
    try:
        with db(request) as s:
            v = editable_version(s, key, number if isinstance(number, int) else None)
            if data.get("force") is True:
                revision = v.revision  # the user chose to overwrite the other save, knowingly
            v = store.save_draft(s, key, v.number, doc, actor=actor(request), revision=revision)
            return Response({"revision": v.revision, "number": v.number})
    except store.StaleDraftError as e:
        with db(request) as s:
            by = _last_saver(s, key, number if isinstance(number, int) else editable_version(s, key).number)
        return Response({"error": say_error(translator(request), e), "revision": e.current, "by": by}, status_code=409)
    except store.TransitionError as e:
        return Response({"error": say_error(translator(request), e)}, status_code=409)
    except store.SchemaRejectedError as e:  # nothing stored; say what and where, in the reader's language
        problems = [{"path": x.path, "message": x.message} for x in e.errors]
        return Response({"error": e.message(translator(request).lang), "problems": problems}, status_code=422)
    except store.BadDocumentError as e:
        return Response({"error": str(e)}, status_code=422)


@post("/scripts/{key:str}/submit", guards=[require_permission], opt=EDIT, sync_to_thread=True)
def submit(request: Request[Any, Any, Any], key: FromPath[str], data: Form) -> Redirect:
    t = translator(request)
    path = f"/scripts/{quote(key, safe='')}/edit"
    try:
        with db(request) as s:
            v = editable_version(s, key)
            forbidden = tuple(request.app.state.settings.forbidden_words)
            submit_checked(s, key, v.number, actor=actor(request), comment=data.get("comment") or None,
                           forbidden_words=forbidden)
            number = v.number
    except store.StoreError as e:
        flash(request, say_error(translator(request), e), "error")
        return Redirect(path=path)
    flash(request, t("review.submitted", number=number))
    return Redirect(path=path)


@post("/scripts/{key:str}/versions/{number:int}/new-draft", guards=[require_permission], opt=EDIT, sync_to_thread=True)
def new_draft(request: Request[Any, Any, Any], key: FromPath[str], number: FromPath[int]) -> Redirect:
    try:
        with db(request) as s:
            store.new_draft_from(s, key, number, actor=actor(request))
    except store.StoreError as e:
        flash(request, say_error(translator(request), e), "error")
    return Redirect(path=f"/scripts/{quote(key, safe='')}/edit")


def editor_routes() -> list[ControllerRouterHandler]:
    return [editor_page, load_draft, save_draft, submit, new_draft]
