"""Call results by outcome, one call's detail, and the CSV / XLSX exports of the filtered results."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Stream, Template

from runtime.audit.log import record_now as audit_read
from runtime.campaigns.tasks import list_tasks
from web.auth.guards import require_permission
from web.deps import EngineDep
from web.i18n.errors import say_error
from web.operator._render import RUN, op_page, query_of, translator_of
from web.operator.call_views import (
    IN_CALL,
    CallFilter,
    call_detail,
    call_listing,
    iter_calls,
    parse_call_filter,
)
from web.operator.exports import csv_chunks, header, xlsx_bytes
from web.operator.filters import FilterError
from web.operator.privacy import masked_rows, may_play, sees_personal
from web.render import is_htmx

__all__ = ["CallsController"]

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _label(request: Request[Any, Any, Any]) -> Any:
    t = translator_of(request)
    return lambda code: t("op.calls.in_call") if code == IN_CALL else t("op.outcome." + code)


def _names(request: Request[Any, Any, Any]) -> list[str]:
    """Header row: the UI's language, or the column keys with ``?header=keys`` (for scripts)."""
    return header(None if request.query_params.get("header") == "keys" else translator_of(request))


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


class CallsController(Controller):
    """Call results, one call, and the exports: personal data masked unless the role sees it."""

    path = "/operator/calls"
    guards = [require_permission]
    opt = RUN

    @get("/", sync_to_thread=True)
    def calls_page(self, request: Request[Any, Any, Any], engine: EngineDep) -> Template:
        q = query_of(request)
        error = None
        try:
            f = parse_call_filter(q)
        except FilterError as e:
            error, f = say_error(translator_of(request), e, prefix="op.filter."), CallFilter()
        listing = call_listing(engine, f)
        listing.rows = [] if error else list(masked_rows(listing.rows, sees_personal(request)))
        template = "operator/_calls_table.html" if is_htmx(request) else "operator/calls.html"
        tasks = [] if is_htmx(request) else list_tasks(engine, include_deleted=True)
        return op_page(request, template, listing=listing, f=f, q=q, error=error, tasks=tasks, in_call=IN_CALL,
                       status_code=400 if error and not is_htmx(request) else 200)

    @get("/export.csv", sync_to_thread=True)
    def export_csv(self, request: Request[Any, Any, Any], engine: EngineDep) -> Response[Any]:
        try:
            f = parse_call_filter(query_of(request))
        except FilterError as e:
            return Response({"error": str(e)}, status_code=400)
        rows = masked_rows(iter_calls(engine, f), sees_personal(request))
        audit_read(engine, "export.calls", "calls", "csv", after=dict(query_of(request)))
        return Stream(  # the rows are read while the body streams: Litestar iterates a sync iterator in a thread
            csv_chunks(rows, _label(request), names=_names(request)), media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="calls-{_stamp()}.csv"'},
        )

    @get("/export.xlsx", sync_to_thread=True)
    def export_xlsx(self, request: Request[Any, Any, Any], engine: EngineDep) -> Response[Any]:
        try:
            f = parse_call_filter(query_of(request))
        except FilterError as e:
            return Response({"error": str(e)}, status_code=400)
        body = xlsx_bytes(masked_rows(iter_calls(engine, f), sees_personal(request)), _label(request),
                          names=_names(request))
        audit_read(engine, "export.calls", "calls", "xlsx", after=dict(query_of(request)))
        return Response(body, media_type=_XLSX,
                        headers={"content-disposition": f'attachment; filename="calls-{_stamp()}.xlsx"'})

    @get("/{attempt_id:int}", sync_to_thread=True)
    def call_page(self, request: Request[Any, Any, Any], engine: EngineDep, attempt_id: FromPath[int]) -> Template:
        d = call_detail(engine, attempt_id)
        if d is None:
            raise NotFoundException(f"no call with id {attempt_id}")
        if not sees_personal(request):
            d.call = next(iter(masked_rows([d.call], False)))
        if not may_play(request):  # recordings and transcripts need their own permission
            d.recording, d.turns = None, []
        audit_read(engine, "call.view", "call", attempt_id)  # who opened which customer's call
        return op_page(request, "operator/call.html", d=d, in_call=IN_CALL)
