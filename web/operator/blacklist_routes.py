"""The blacklist page: list and search, add one number, remove one, import a CSV with per-line errors.

Writes go through ``runtime.campaigns.blacklist`` (normalisation to E.164, global vs task
scope, duplicates); only the paged, searchable listing is a read-only query here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from runtime.campaigns import blacklist as bl
from runtime.campaigns import tables as T
from runtime.campaigns.models import GLOBAL
from runtime.campaigns.uploads import RowError
from runtime.privacy.masking import mask_phone
from web.auth.guards import require_permission
from web.deps import EngineDep
from web.forms import MULTI_PART, URL_ENCODED
from web.i18n import Translator
from web.i18n.errors import say_error, say_row
from web.operator._render import RUN, op_page, query_of, translator_of
from web.operator.blacklist_csv import MAX_BYTES, CsvError, read_numbers
from web.operator.filters import FilterError, Page, parse_int, parse_page
from web.operator.privacy import sees_personal
from web.render import flash, is_htmx

__all__ = ["BlacklistController", "NumberForm", "BlacklistUpload", "PAGE_SIZE"]

PAGE_SIZE = 50


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


def _render(request: Request[Any, Any, Any], engine: Engine, status_code: int = 200, **extra: Any) -> Template:
    q = query_of(request)
    search = (q.get("q") or "").strip()
    try:
        page_no = parse_page(q.get("page"))
    except FilterError:
        page_no = 1
    rows, page = _entries(engine, search, page_no)
    if not sees_personal(request):  # roles without personal.view see 138****5678 (docs/compliance.md)
        rows = [{**r, "phone": mask_phone(r["phone"])} for r in rows]
    template = "operator/_blacklist_table.html" if is_htmx(request) else "operator/blacklist.html"
    return op_page(request, template, status_code=status_code, rows=rows, page=page, search=search, **extra)


def _said(t: Translator, e: Exception) -> str:
    """A refused number (``phone.<reason>``), task scope (``op.filter.``) or file (``op.bl.err.``)
    in the page's language."""
    prefix = "phone." if isinstance(e, bl.BlacklistError) else "op.bl.err." if isinstance(e, CsvError) else "op.filter."
    return say_error(t, e, prefix=prefix)


@dataclass
class NumberForm:
    """Add or remove one number; ``task`` empty is the global list. The page removes by ``entry``
    (the row's id: it may show the number masked); ``phone`` + ``task`` remove by number."""

    phone: str = ""
    task: str = ""
    reason: str = ""
    entry: str = ""


@dataclass
class BlacklistUpload:
    file: UploadFile | None = None
    task: str = ""


class BlacklistController(Controller):
    path = "/operator/blacklist"
    guards = [require_permission]
    opt = RUN

    @get("/", sync_to_thread=True)
    def blacklist_page(self, request: Request[Any, Any, Any], engine: EngineDep) -> Template:
        return _render(request, engine)

    @post("/", sync_to_thread=True)
    def add_number(self, request: Request[Any, Any, Any], engine: EngineDep,
                   data: Annotated[NumberForm, URL_ENCODED]) -> Redirect:
        t = translator_of(request)
        phone = data.phone.strip()
        try:
            task_id = _scope(data.task)
            added = bl.add(engine, phone, task_id, data.reason.strip() or "manual", _region(request))
        except (bl.BlacklistError, FilterError) as e:
            flash(request, _said(t, e), "error")
        else:
            flash(request, t("op.bl.added" if added else "op.bl.already", phone=phone))
        return Redirect(path="/operator/blacklist")

    @post("/remove", sync_to_thread=True)
    def remove_number(self, request: Request[Any, Any, Any], engine: EngineDep,
                      data: Annotated[NumberForm, URL_ENCODED]) -> Redirect:
        t = translator_of(request)
        if data.entry.strip():
            try:
                held = bl.remove_entry(engine, parse_int(data.entry, "entry", minimum=1) or 0)
            except FilterError as e:
                flash(request, say_error(t, e, prefix="op.filter."), "error")
                return Redirect(path="/operator/blacklist")
            shown = held if held is None or sees_personal(request) else mask_phone(held)
            flash(request, t("op.bl.removed" if held else "op.bl.not_listed", phone=shown or data.entry),
                  "ok" if held else "error")
            return Redirect(path="/operator/blacklist")
        phone = data.phone.strip()
        try:
            removed = bl.remove(engine, phone, _scope(data.task), _region(request))
        except (bl.BlacklistError, FilterError) as e:
            flash(request, _said(t, e), "error")
        else:
            flash(request, t("op.bl.removed" if removed else "op.bl.not_listed", phone=phone),
                  "ok" if removed else "error")
        return Redirect(path="/operator/blacklist")

    @post("/import", sync_to_thread=True)
    def import_csv(self, request: Request[Any, Any, Any], engine: EngineDep,
                   data: Annotated[BlacklistUpload, MULTI_PART]) -> Response[Any]:
        """Good lines are added, every bad line is listed with its number; JSON clients get the same."""
        wants_json = "application/json" in request.headers.get("accept", "")
        upload = data.file
        lines: list[RowError] = []
        added = 0
        refused: Exception | None = None  # the whole file refused: said in the page's language below
        if not isinstance(upload, UploadFile):
            refused = CsvError("no file was uploaded (field 'file')", key="no_file")
        else:
            raw = upload.file.read(MAX_BYTES + 1)
            name = upload.filename or "upload.csv"
            try:
                task_id = _scope(data.task)
                pairs, lines = read_numbers(raw, name)
                added, bad = bl.add_many(engine, pairs, task_id, "import", _region(request))
                lines = sorted(lines + bad, key=lambda e: e.row_no)
            except (CsvError, FilterError) as e:
                refused = e
        if wants_json:
            errors = [str(refused)] if refused is not None else [str(e) for e in lines]
            return Response({"added": added, "errors": errors}, status_code=200 if added or not errors else 422)
        t = translator_of(request)
        said = [_said(t, refused)] if refused is not None else [say_row(t, e) for e in lines]
        flash(request, t("op.bl.imported", added=added, bad=len(said)), "error" if said and not added else "ok")
        return _render(request, engine, import_errors=said)
