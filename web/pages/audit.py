"""The audit trail page (admins): filter entries, verify the chain, download the filtered entries as CSV.

Route code stays thin: filters are parsed by :mod:`runtime.audit.query`, rows come from the same
``list_entries`` the CLI uses. The download itself is audited (an export is a sensitive read).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.response import Template

from runtime.audit.export import COLUMNS, csv_rows
from runtime.audit.log import list_entries, record_now
from runtime.audit.query import PAGE_SIZE, AuditQueryError, parse_filter
from runtime.audit.verify import verify
from web.auth.guards import require_permission
from web.auth.roles import Permission
from web.deps import EngineDep
from web.render import page

__all__ = ["AuditController"]


def _query(request: Request[Any, Any, Any]) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if isinstance(v, str)}


class AuditController(Controller):
    path = "/audit"
    guards = [require_permission]
    opt = {"permission": Permission.VIEW_AUDIT}

    @get("/", sync_to_thread=True)
    def audit_page(self, request: Request[Any, Any, Any], engine: EngineDep) -> Template:
        q = _query(request)
        error, rows, verdict = None, [], None
        try:
            rows = list_entries(engine, parse_filter(q))
        except AuditQueryError as e:
            error = str(e)
        if q.get("verify") == "1":
            verdict = verify(engine)
        page_no = int(q["page"]) if q.get("page", "").isdigit() else 1
        return page(request, "audit.html", status_code=400 if error else 200, rows=rows, q=q, error=error,
                    verdict=verdict, page_no=page_no, more=len(rows) == PAGE_SIZE,
                    base_q={k: v for k, v in q.items() if k not in ("page", "verify")})

    @get("/export.csv", sync_to_thread=True)
    def audit_export(self, request: Request[Any, Any, Any], engine: EngineDep) -> Response[Any]:
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
