"""Routes of the analytics pages: report (HTML with charts, JSON, XLSX, CSV per table) and the audience list.

Charts use Apache ECharts from ``/vendor/echarts`` (the npm package ``echarts``); without it
the pages still show every number as tables.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader
from litestar import Request, Response, Router, get, post
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from runtime.analytics.export import export_report, report_tables
from runtime.analytics.report import build_report
from runtime.analytics.store import AnalyticsStore, StoreError
from runtime.db import session_scope
from web.auth.guards import require_permission
from web.auth.roles import Permission
from web.pages._common import Form
from web.render import flash, page

__all__ = ["router", "TEMPLATES"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
OPERATOR = {"permission": Permission.RUN_CAMPAIGNS}


def _ensure_templates(request: Request[Any, Any, Any]) -> None:
    """Let the app's Jinja environment find this module's templates (once), keeping base.html shared."""
    engine = request.app.template_engine
    env = getattr(engine, "engine", None)
    if env is None or getattr(env, "_huashu_analytics", False):
        return
    env.loader = ChoiceLoader([env.loader, FileSystemLoader(str(TEMPLATES))]) if env.loader else FileSystemLoader(
        str(TEMPLATES)
    )
    env._huashu_analytics = True


def _store_path(request: Request[Any, Any, Any]) -> Path:
    return Path(request.app.state.settings.data_dir) / "analytics.duckdb"


def _campaign(value: str) -> int | None:
    if value == "all":
        return None
    if not value.isdigit():
        raise NotFoundException(f"no campaign {value!r}")
    return int(value)


def _open(path: Path) -> AnalyticsStore:
    """The store read-only; busy (being loaded by another process) is a 503, not a crash."""
    try:
        return AnalyticsStore(path, read_only=True)
    except StoreError as e:
        raise HTTPException(status_code=503, detail=f"analytics data is busy or unreadable: {e}") from e


def _report(request: Request[Any, Any, Any], campaign: str) -> dict[str, Any]:
    path = _store_path(request)
    cid = _campaign(campaign)
    if not path.exists():
        raise NotFoundException("no analytics data yet (load calls with `huashu report load`)")
    with _open(path) as st:
        if cid is not None and cid not in st.campaigns():
            raise NotFoundException(f"campaign {cid} has no call records")
        return build_report(st, cid)


def _campaign_rows(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    path = _store_path(request)
    if not path.exists():
        return []
    with _open(path) as st:
        rows = st.query(
            "SELECT campaign_id, count(*), count(*) FILTER (answered), min(started_at), max(started_at) "
            "FROM calls GROUP BY 1 ORDER BY 1"
        )
    return [
        {"campaign_id": c, "attempts": n, "connected": k, "connect_rate": k / n if n else 0.0, "first": f, "last": la}
        for c, n, k, f, la in rows
    ]


@get("/", guards=[require_permission], opt=OPERATOR, sync_to_thread=True)
def analytics_index(request: Request[Any, Any, Any]) -> Template:
    _ensure_templates(request)
    return page(request, "analytics_index.html", campaigns=_campaign_rows(request))


@get("/{campaign:str}", guards=[require_permission], opt=OPERATOR, sync_to_thread=True)
def analytics_report(request: Request[Any, Any, Any], campaign: FromPath[str]) -> Template:
    _ensure_templates(request)
    return page(request, "analytics_report.html", report=_report(request, campaign), campaign=campaign)


@get("/{campaign:str}/report.json", guards=[require_permission], opt=OPERATOR, sync_to_thread=True)
def analytics_json(request: Request[Any, Any, Any], campaign: FromPath[str]) -> dict[str, Any]:
    return _report(request, campaign)


@get("/{campaign:str}/report.xlsx", guards=[require_permission], opt=OPERATOR, sync_to_thread=True)
def analytics_xlsx(request: Request[Any, Any, Any], campaign: FromPath[str]) -> Response[bytes]:
    report = _report(request, campaign)
    with tempfile.TemporaryDirectory() as tmp:
        [path] = export_report(report, Path(tmp) / "report.xlsx")
        body = path.read_bytes()
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": f'attachment; filename="campaign-{campaign}.xlsx"'},
    )


@get("/{campaign:str}/csv/{table:str}", guards=[require_permission], opt=OPERATOR, sync_to_thread=True)
def analytics_csv(request: Request[Any, Any, Any], campaign: FromPath[str], table: FromPath[str]) -> Response[str]:
    tables = report_tables(_report(request, campaign))
    name = table.removesuffix(".csv")
    if name not in tables:
        raise NotFoundException(f"no table {name!r} (have: {', '.join(tables)})")
    rows = tables[name]
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="campaign-{campaign}-{name}.csv"'},
    )


@get("/compare/{a:int}/{b:int}", guards=[require_permission], opt=OPERATOR, sync_to_thread=True)
def analytics_compare(request: Request[Any, Any, Any], a: FromPath[int], b: FromPath[int]) -> Template:
    """Two campaigns side by side (AI vs manual calling): differences with intervals and tests."""
    from runtime.analytics.compare import compare_campaigns

    _ensure_templates(request)
    path = _store_path(request)
    if not path.exists():
        raise NotFoundException("no analytics data yet")
    with _open(path) as st:
        try:
            result = compare_campaigns(st, a, b)
        except ValueError as e:
            raise NotFoundException(str(e)) from e
    return page(request, "analytics_compare.html", c=result, a=a, b=b)


@get("/audiences/list", guards=[require_permission], opt=OPERATOR, sync_to_thread=True)
def audiences_page(request: Request[Any, Any, Any]) -> Template:
    from sqlmodel import Session, select

    from runtime.audience.models import Audience, AudienceModel

    _ensure_templates(request)
    with Session(request.app.state.engine) as s:
        audiences = s.exec(select(Audience).order_by(Audience.id)).all()  # type: ignore[arg-type]
        models = s.exec(select(AudienceModel).order_by(AudienceModel.id)).all()  # type: ignore[arg-type]
    return page(request, "analytics_audiences.html", audiences=audiences, models=models)


_FORM_ROWS = 5


def _customer_files(request: Request[Any, Any, Any]) -> list[str]:
    """Customer files the pages may use: .parquet/.csv files in the data directory (never elsewhere)."""
    root = Path(request.app.state.settings.data_dir)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.suffix.lower() in (".parquet", ".csv") and p.is_file())


@get("/audiences/new", guards=[require_permission], opt=OPERATOR, sync_to_thread=True)
def rule_form(request: Request[Any, Any, Any], customers: str | None = None) -> Template:
    """The visual rule builder: conditions over the fields of a customer file, combined by AND / OR."""
    from runtime.audience.frame import FrameError, frame_columns
    from runtime.audience.rules import OPS

    _ensure_templates(request)
    files = _customer_files(request)
    chosen = customers if customers in files else (files[0] if files else None)
    fields: list[str] = []
    if chosen:
        try:
            fields = frame_columns(Path(request.app.state.settings.data_dir) / chosen)
        except FrameError:
            fields = []
    fields += [f"{c.removesuffix('_at')}_days" for c in fields if c.endswith("_at")]
    return page(request, "analytics_rule_form.html", files=files, chosen=chosen, fields=fields, ops=OPS,
                rows=range(_FORM_ROWS))


@post("/audiences/rule", guards=[require_permission], opt=OPERATOR, sync_to_thread=True)
def create_rule_audience(request: Request[Any, Any, Any], data: Form) -> Redirect:
    """Create (or replace) a rule audience from the builder's form; errors come back as a message."""
    import numpy as np

    from runtime.audience.frame import FrameError, read_frame
    from runtime.audience.rules import RuleError, rule_from_rows, rule_mask
    from runtime.audience.store import reachable, save_audience

    name = (data.get("name") or "").strip()
    chosen = data.get("customers") or ""
    cron = (data.get("cron") or "").strip() or None
    try:
        if not name:
            raise RuleError("give the audience a name")
        if chosen not in _customer_files(request):
            raise RuleError(f"no customer file {chosen!r} in the data directory")
        if cron:
            from croniter import croniter

            if not croniter.is_valid(cron):
                raise RuleError(f"{cron!r} is not a valid cron expression")
        rows = [(data.get(f"field{i}", ""), data.get(f"op{i}", ""), data.get(f"value{i}", "")) for i in range(_FORM_ROWS)]
        rule = rule_from_rows(data.get("combinator", "all"), rows)
        path = Path(request.app.state.settings.data_dir) / chosen
        frame = read_frame(path)
        mask = rule_mask(rule, frame, np.datetime64("now", "s"))
        ok = reachable(frame)
        skipped = int((mask & ~ok).sum())
        with session_scope(request.app.state.engine) as s:
            aud = save_audience(s, name, frame, np.flatnonzero(mask & ok), None, "rule", str(path), rule=rule,
                                refresh_cron=cron)
            size, held = aud.size, aud.held_out
    except (RuleError, FrameError) as e:
        flash(request, str(e), "error")
        return Redirect(path=f"/analytics/audiences/new?customers={chosen}")
    note = f"; {skipped:,} matching rows skipped (no customer id or phone)" if skipped else ""
    flash(request, f"audience {name!r}: {size:,} to call, {held:,} held out (control){note}")
    return Redirect(path="/analytics/audiences/list")


router = Router(
    path="/analytics",
    route_handlers=[analytics_index, audiences_page, rule_form, create_rule_audience, analytics_compare, analytics_json, analytics_xlsx, analytics_csv, analytics_report],
)
