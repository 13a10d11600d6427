"""The script list: search, filter by status, new (blank or from the library), import and export JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlmodel import Session

from designer import store
from designer.loader import MAX_SCRIPT_BYTES
from web.auth.guards import require_permission
from web.auth.models import User
from web.auth.roles import Permission
from web.deps import CurrentUser, DbSession, TranslatorDep
from web.documents import (
    DocumentError,
    blank_document,
    library_entries,
    load_library,
    parse_upload,
    slug_for,
    unique_id,
)
from web.forms import MULTI_PART, URL_ENCODED
from web.pages._common import too_large_flash, too_large_handler
from web.render import flash, is_htmx, page

__all__ = ["ScriptsController", "home", "filter_scripts", "NewScriptForm", "LibraryForm", "ImportForm"]

VIEW = {"permission": Permission.VIEW_SCRIPTS}
EDIT = {"permission": Permission.EDIT_SCRIPTS}


def filter_scripts(rows: list[store.ScriptSummary], q: str, status: str) -> list[store.ScriptSummary]:
    """Case-insensitive match on id, name or business; ``status`` matches the latest version's status."""
    needle = q.strip().lower()
    out = []
    for r in rows:
        if needle and needle not in r.id.lower() and needle not in r.name.lower() and needle not in r.business.lower():
            continue
        if status and r.latest_status != status:
            continue
        out.append(r)
    return sorted(out, key=lambda r: r.updated_at, reverse=True)


@dataclass
class NewScriptForm:
    name: str = ""
    language: str = ""
    id: str = ""


@dataclass
class LibraryForm:
    file: str = ""


@dataclass
class ImportForm:
    file: UploadFile | None = None


@get("/", sync_to_thread=False, include_in_schema=False)
def home() -> Redirect:
    return Redirect(path="/scripts")


def _create(db_session: Session, user: User, doc: dict[str, Any], comment: str) -> Redirect:
    doc["id"] = unique_id(str(doc["id"]), lambda i: db_session.get(store.ScriptRecord, i) is not None)
    v = store.import_document(db_session, doc, actor=user.username, comment=comment)
    return Redirect(path=f"/scripts/{quote(v.script_id, safe='')}/edit")


class ScriptsController(Controller):
    path = "/scripts"
    guards = [require_permission]
    opt = VIEW

    @get("/", sync_to_thread=True)
    def list_page(self, request: Request[Any, Any, Any], db_session: DbSession, q: FromQuery[str] = "",
                  status: FromQuery[str] = "", too_large: FromQuery[int | None] = None) -> Template:
        too_large_flash(request, too_large)  # an import refused for its size came back here
        rows = filter_scripts(store.list_scripts(db_session), q, status)
        template = "scripts_table.html" if is_htmx(request) else "scripts.html"
        return page(request, template, rows=rows, q=q, status=status, statuses=store.STATUSES,
                    library=library_entries())

    @post("/new", opt=EDIT, sync_to_thread=True)
    def new_blank(self, request: Request[Any, Any, Any], db_session: DbSession, current_user: CurrentUser, t: TranslatorDep,
                  data: Annotated[NewScriptForm, URL_ENCODED]) -> Redirect:
        name = data.name.strip()
        language = (data.language or "zh-CN").strip()
        if not name:
            flash(request, t("scripts.need_name"), "error")
            return Redirect(path="/scripts")
        doc = blank_document(slug_for(data.id or name), name, language)
        return _create(db_session, current_user, doc, "new blank script")

    @post("/from-library", opt=EDIT, sync_to_thread=True)
    def new_from_library(self, request: Request[Any, Any, Any], db_session: DbSession, current_user: CurrentUser,
                         data: Annotated[LibraryForm, URL_ENCODED]) -> Redirect:
        try:
            doc = load_library(data.file)
        except DocumentError as e:
            flash(request, str(e), "error")
            return Redirect(path="/scripts")
        return _create(db_session, current_user, doc, f"from the library ({data.file})")

    @post("/import", opt=EDIT, sync_to_thread=True, exception_handlers={413: too_large_handler("/scripts")})
    def import_file(self, request: Request[Any, Any, Any], db_session: DbSession, current_user: CurrentUser,
                    t: TranslatorDep, data: Annotated[ImportForm, MULTI_PART]) -> Response[Any]:
        """Import a JSON file as a draft: a new script, or the next version when the id exists already."""
        upload = data.file
        if not isinstance(upload, UploadFile):
            flash(request, t("scripts.no_file"), "error")
            return Redirect(path="/scripts")
        raw = upload.file.read(MAX_SCRIPT_BYTES + 1)
        try:
            doc = parse_upload(raw, upload.filename or "upload")
            v = store.import_document(db_session, doc, actor=current_user.username,
                                      comment=f"imported {upload.filename}")
            key, number = v.script_id, v.number
        except (DocumentError, store.BadDocumentError) as e:
            db_session.rollback()
            text = e.message(t.lang) if isinstance(e, store.SchemaRejectedError) else str(e)
            msg = text if isinstance(e, DocumentError) else f"{upload.filename}: {text}"
            if "application/json" in request.headers.get("accept", ""):
                return Response({"error": msg}, status_code=422)
            flash(request, msg, "error")
            return Redirect(path="/scripts")
        flash(request, t("scripts.imported", id=key, number=number))
        return Redirect(path=f"/scripts/{quote(key, safe='')}/edit")

    @get("/{key:str}/export", sync_to_thread=True)
    def export(self, db_session: DbSession, key: FromPath[str], version: FromQuery[int | None] = None) -> Response[bytes]:
        try:
            v = store.get_version(db_session, key, version)
        except store.NotFoundError as e:
            return Response(json.dumps({"error": str(e)}).encode(), status_code=404, media_type="application/json")
        body = json.dumps(v.document, ensure_ascii=False, indent=2).encode("utf-8")
        name = f"{key}-v{v.number}.json"
        return Response(
            body,
            media_type="application/json",
            headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
        )
