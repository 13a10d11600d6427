"""The script list: search, filter by status, new (blank or from the library), import and export JSON."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler

from designer import store
from designer.loader import MAX_SCRIPT_BYTES
from web.auth.guards import require_permission
from web.auth.roles import Permission
from web.documents import (
    DocumentError,
    blank_document,
    library_entries,
    load_library,
    parse_upload,
    slug_for,
    unique_id,
)
from web.pages._common import Form, actor, db, too_large_flash, too_large_handler
from web.render import flash, page, translator

__all__ = ["script_routes", "filter_scripts"]

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


@get("/", sync_to_thread=False, include_in_schema=False)
def home() -> Redirect:
    return Redirect(path="/scripts")


@get("/scripts", guards=[require_permission], opt=VIEW, sync_to_thread=True)
def list_page(request: Request[Any, Any, Any], q: FromQuery[str] = "", status: FromQuery[str] = "",
              too_large: FromQuery[int | None] = None) -> Template:
    too_large_flash(request, too_large)  # an import refused for its size came back here
    with db(request) as s:
        rows = filter_scripts(store.list_scripts(s), q, status)
    template = "scripts_table.html" if request.headers.get("hx-request") else "scripts.html"
    return page(request, template, rows=rows, q=q, status=status, statuses=store.STATUSES, library=library_entries())


def _create(request: Request[Any, Any, Any], doc: dict[str, Any], comment: str) -> Redirect:
    with db(request) as s:
        doc["id"] = unique_id(str(doc["id"]), lambda i: s.get(store.ScriptRecord, i) is not None)
        v = store.import_document(s, doc, actor=actor(request), comment=comment)
        key = v.script_id
    return Redirect(path=f"/scripts/{quote(key, safe='')}/edit")


@post("/scripts/new", guards=[require_permission], opt=EDIT, sync_to_thread=True)
def new_blank(request: Request[Any, Any, Any], data: Form) -> Redirect:
    t = translator(request)
    name = (data.get("name") or "").strip()
    language = (data.get("language") or "zh-CN").strip()
    if not name:
        flash(request, t("scripts.need_name"), "error")
        return Redirect(path="/scripts")
    doc = blank_document(slug_for(data.get("id") or name), name, language)
    return _create(request, doc, "new blank script")


@post("/scripts/from-library", guards=[require_permission], opt=EDIT, sync_to_thread=True)
def new_from_library(request: Request[Any, Any, Any], data: Form) -> Redirect:
    try:
        doc = load_library(data.get("file", ""))
    except DocumentError as e:
        flash(request, str(e), "error")
        return Redirect(path="/scripts")
    return _create(request, doc, f"from the library ({data.get('file')})")


@post("/scripts/import", guards=[require_permission], opt=EDIT, sync_to_thread=True,
      exception_handlers={413: too_large_handler("/scripts")})
def import_file(
    request: Request[Any, Any, Any],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
) -> Response[Any]:
    """Import a JSON file as a draft: a new script, or the next version when the id exists already."""
    upload = data.get("file")
    if not isinstance(upload, UploadFile):
        flash(request, translator(request)("scripts.no_file"), "error")
        return Redirect(path="/scripts")
    raw = upload.file.read(MAX_SCRIPT_BYTES + 1)
    try:
        doc = parse_upload(raw, upload.filename or "upload")
        with db(request) as s:
            v = store.import_document(s, doc, actor=actor(request), comment=f"imported {upload.filename}")
            key, number = v.script_id, v.number
    except (DocumentError, store.BadDocumentError) as e:
        text = e.message(translator(request).lang) if isinstance(e, store.SchemaRejectedError) else str(e)
        msg = text if isinstance(e, DocumentError) else f"{upload.filename}: {text}"
        if "application/json" in request.headers.get("accept", ""):
            return Response({"error": msg}, status_code=422)
        flash(request, msg, "error")
        return Redirect(path="/scripts")
    flash(request, translator(request)("scripts.imported", id=key, number=number))
    return Redirect(path=f"/scripts/{quote(key, safe='')}/edit")


@get("/scripts/{key:str}/export", guards=[require_permission], opt=VIEW, sync_to_thread=True)
def export(request: Request[Any, Any, Any], key: FromPath[str], version: FromQuery[int | None] = None) -> Response[bytes]:
    with db(request) as s:
        try:
            v = store.get_version(s, key, version)
        except store.NotFoundError as e:
            return Response(json.dumps({"error": str(e)}).encode(), status_code=404, media_type="application/json")
        body = json.dumps(v.document, ensure_ascii=False, indent=2).encode("utf-8")
    name = f"{key}-v{v.number}.json"
    return Response(
        body,
        media_type="application/json",
        headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


def script_routes() -> list[ControllerRouterHandler]:
    return [home, list_page, new_blank, new_from_library, import_file, export]
