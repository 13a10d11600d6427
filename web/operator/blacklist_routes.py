"""The blacklist page: list and search, add one number, remove one, import a CSV with per-line errors.

Writes go through ``runtime.campaigns.blacklist`` (normalisation to E.164, global vs task
scope, duplicates); only the paged, searchable listing is a read-only query here.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from runtime.campaigns import blacklist as bl
from runtime.campaigns import tables as T
from runtime.campaigns.models import GLOBAL
from web.auth.guards import require_permission
from web.operator._render import RUN, engine_of, is_htmx, op_page, query_of, translator_of
from web.operator.blacklist_csv import MAX_BYTES, CsvError, read_numbers
from web.operator.filters import FilterError, Page, parse_int, parse_page
from web.pages._common import Form
from web.render import flash

__all__ = ["blacklist_routes", "PAGE_SIZE"]

PAGE_SIZE = 50
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def _region(request: Request[Any, Any, Any]) -> str:
    return str(request.app.state.settings.phone_region)


def _entries(engine: Engine, search: str, page_no: int) -> tuple[list[dict[str, Any]], Page]:
    b = T.blacklist
    where = [b.c.phone.contains(search.replace(" ", ""))] if search else []
    with engine.connect() as conn:
        total = int(conn.execute(select(func.count()).select_from(b).where(*where)).scalar_one())
        page = Page(page_no, PAGE_SIZE, total)
        rows = conn.execute(select(b).where(*where).order_by(b.c.id.desc()).limit(page.size).offset(page.offset))
        return [dict(r._mapping) for r in rows], page


def _scope(raw: str | None) -> int:
    return parse_int(raw, "scope (task id)", minimum=0) or GLOBAL


def _render(request: Request[Any, Any, Any], status_code: int = 200, **extra: Any) -> Template:
    q = query_of(request)
    search = (q.get("q") or "").strip()
    try:
        page_no = parse_page(q.get("page"))
    except FilterError:
        page_no = 1
    rows, page = _entries(engine_of(request), search, page_no)
    template = "operator/_blacklist_table.html" if is_htmx(request) else "operator/blacklist.html"
    return op_page(request, template, status_code=status_code, rows=rows, page=page, search=search, **extra)


@get("/operator/blacklist", guards=[require_permission], opt=RUN, sync_to_thread=True)
def blacklist_page(request: Request[Any, Any, Any]) -> Template:
    return _render(request)


@post("/operator/blacklist", guards=[require_permission], opt=RUN, sync_to_thread=True)
def add_number(request: Request[Any, Any, Any], data: Form) -> Redirect:
    t = translator_of(request)
    phone = (data.get("phone") or "").strip()
    try:
        task_id = _scope(data.get("task"))
        added = bl.add(engine_of(request), phone, task_id, (data.get("reason") or "manual").strip() or "manual",
                       _region(request))
    except (bl.BlacklistError, FilterError) as e:
        flash(request, f"{phone or '(empty)'}: {e}", "error")
    else:
        flash(request, t("op.bl.added" if added else "op.bl.already", phone=phone))
    return Redirect(path="/operator/blacklist")


@post("/operator/blacklist/remove", guards=[require_permission], opt=RUN, sync_to_thread=True)
def remove_number(request: Request[Any, Any, Any], data: Form) -> Redirect:
    t = translator_of(request)
    phone = (data.get("phone") or "").strip()
    try:
        removed = bl.remove(engine_of(request), phone, _scope(data.get("task")), _region(request))
    except (bl.BlacklistError, FilterError) as e:
        flash(request, f"{phone or '(empty)'}: {e}", "error")
    else:
        flash(request, t("op.bl.removed" if removed else "op.bl.not_listed", phone=phone), "ok" if removed else "error")
    return Redirect(path="/operator/blacklist")


@post("/operator/blacklist/import", guards=[require_permission], opt=RUN, sync_to_thread=True)
def import_csv(request: Request[Any, Any, Any], data: Multipart) -> Response[Any]:
    """Good lines are added, every bad line is listed with its number; JSON clients get the same."""
    wants_json = "application/json" in request.headers.get("accept", "")
    upload = data.get("file")
    errors: list[str]
    if not isinstance(upload, UploadFile):
        errors, added = ["no file was uploaded (field 'file')"], 0
    else:
        raw = upload.file.read(MAX_BYTES + 1)
        name = upload.filename or "upload.csv"
        try:
            task_id = _scope(str(data.get("task") or ""))
            pairs, errors = read_numbers(raw, name)
            added, bad = bl.add_many(engine_of(request), pairs, task_id, "import", _region(request))
            errors = sorted(errors + bad, key=_line_no)
        except (CsvError, FilterError) as e:
            errors, added = [str(e)], 0
    if wants_json:
        return Response({"added": added, "errors": errors}, status_code=200 if added or not errors else 422)
    t = translator_of(request)
    flash(request, t("op.bl.imported", added=added, bad=len(errors)), "error" if errors and not added else "ok")
    return _render(request, import_errors=errors)


def _line_no(msg: str) -> int:
    parts = msg.split(":", 1)[0].split()
    return int(parts[1]) if len(parts) == 2 and parts[0] == "line" and parts[1].isdigit() else 0


def blacklist_routes() -> list[ControllerRouterHandler]:
    return [blacklist_page, add_number, remove_number, import_csv]
