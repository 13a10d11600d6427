"""The audit trail page (admins): filter entries, verify the chain, download the filtered entries as CSV.

Route code stays thin: filters are parsed by :mod:`runtime.audit.query`, rows come from the same
``list_entries`` the CLI uses. The download itself is audited (an export is a sensitive read).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import anyio
from litestar import Request, Response, get
from litestar.response import Template
from litestar.types import ControllerRouterHandler

from runtime.audit.export import COLUMNS, csv_rows
from runtime.audit.log import list_entries, record_now
from runtime.audit.query import PAGE_SIZE, AuditQueryError, parse_filter
from runtime.audit.verify import verify
from web.auth.guards import require_permission
from web.auth.roles import Permission
from web.render import page

__all__ = ["audit_routes"]

AUDIT = {"permission": Permission.VIEW_AUDIT}


def _query(request: Request[Any, Any, Any]) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if isinstance(v, str)}


@get("/audit", guards=[require_permission], opt=AUDIT)
async def audit_page(request: Request[Any, Any, Any]) -> Template:
    engine = request.app.state.engine
    q = _query(request)
    error, rows, verdict = None, [], None
    try:
        f = parse_filter(q)
        rows = await anyio.to_thread.run_sync(list_entries, engine, f)
    except AuditQueryError as e:
        error = str(e)
    if q.get("verify") == "1":
        verdict = await anyio.to_thread.run_sync(verify, engine)
    page_no = int(q["page"]) if q.get("page", "").isdigit() else 1
    return page(request, "audit.html", status_code=400 if error else 200, rows=rows, q=q, error=error,
                verdict=verdict, page_no=page_no, more=len(rows) == PAGE_SIZE,
                base_q={k: v for k, v in q.items() if k not in ("page", "verify")})


@get("/audit/export.csv", guards=[require_permission], opt=AUDIT, sync_to_thread=True)
def audit_export(request: Request[Any, Any, Any]) -> Response[Any]:
    engine = request.app.state.engine
    q = _query(request)
    try:
        f = parse_filter(q, export=True)
    except AuditQueryError as e:
        return Response({"error": str(e)}, status_code=400)
    rows = list_entries(engine, f)
    record_now(engine, "export.audit", "audit", "csv", after={"filter": q, "rows": len(rows)})
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COLUMNS)
    w.writerows(csv_rows(rows))
    return Response(buf.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="audit.csv"'})


def audit_routes() -> list[ControllerRouterHandler]:
    return [audit_page, audit_export]
