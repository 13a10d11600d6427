"""Routes of the analytics pages: report (HTML with charts, JSON, XLSX, CSV per table) and the audience list.

Charts use Apache ECharts from ``/vendor/echarts`` (the npm package ``echarts``); without it
the pages still show every number as tables.
"""

from __future__ import annotations

import io
import itertools
import re
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any

from litestar import Controller, Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import ClientException, HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlmodel import Session

from huashu.core.private_files import make_private, private_dir
from runtime.analytics.export import export_report, report_tables, write_csv_table
from runtime.analytics.report import build_report
from runtime.analytics.store import AnalyticsStore, StoreError
from runtime.campaigns.upload_limits import UploadLimits
from web.analytics.campaigns import CampaignFacts
from web.analytics.present import Formatter
from web.auth.guards import require_permission
from web.auth.roles import Permission
from web.deps import DbSession, EngineDep, provide_engine
from web.forms import MULTI_PART, URL_ENCODED, is_checked
from web.i18n import Translator
from web.pages._common import too_large_flash, too_large_handler
from web.render import flash, page, translator, wants_html

__all__ = ["router", "AnalyticsController", "TEMPLATES", "RuleBuilderForm", "CustomerUpload", "TrainForm",
           "SelectForm"]

#: this area's templates; ``web.app`` puts the folder in the app's TemplateConfig (they extend base.html)
TEMPLATES = Path(__file__).resolve().parent / "templates"
OPERATOR = {"permission": Permission.RUN_CAMPAIGNS}

#: The rule builder's form: ``name``, ``customers``, ``cron``, ``combinator`` and numbered rows
#: ``field<i>``, ``op<i>``, ``value<i>`` (rows are added and removed on the page, so the names
#: are not known in advance): a mapping, read by :func:`_form_rows`.
RuleBuilderForm = Annotated[dict[str, str], URL_ENCODED]


@dataclass
class CustomerUpload:
    file: UploadFile | None = None
    replace: str = ""


@dataclass
class TrainForm:
    customers: str = ""
    outcomes: str = ""
    target: str = "recharged"
    kind: str = "tree"
    name: str = ""


@dataclass
class SelectForm:
    name: str = ""
    customers: str = ""
    model: str = ""
    top: str = ""


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


def _view(request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any) -> Template:
    """A page of this area: the shared context plus ``f``, the formatter of numbers and codes."""
    t = translator(request)
    return page(request, template, status_code=status_code, f=Formatter(t),
                cname=CampaignFacts(provide_engine(request.app.state), t), **context)


def _campaign_ids(request: Request[Any, Any, Any]) -> list[int]:
    path = _store_path(request)
    if not path.exists():
        return []
    with _open(path) as st:
        return sorted(int(c) for c in st.campaigns())


def _chart_labels(t: Translator, f: Formatter, report: dict[str, Any]) -> dict[str, Any]:
    """What the ECharts code writes on the charts (legends, titles, funnel steps), in the page's language."""
    return {
        "connect_rate": t("an.col.connect_rate"),
        "effective": t("an.dist.effective"),
        "rest": t("an.dist.rest"),
        "funnel": [f.funnel(x["step"]) for x in report.get("funnel", [])],
        "columns": {col: f.metric(col) for col in report.get("distributions", {})},
    }


def _compare_refusal(request: Request[Any, Any, Any], message: str, a: int | None, b: int | None) -> Template:
    """400: a page that says what is wrong and offers the picker again (JSON clients get the API shape)."""
    if not wants_html(request):
        raise ClientException(message)
    return _view(request, "analytics_compare.html", status_code=400, error=message, c=None, a=a, b=b,
                 b_pick=b, campaigns=_campaign_ids(request))


# ---- the rule builder ----

MAX_RULE_ROWS = 50
_ROW_KEY = re.compile(r"field(\d+)")


def _data_dir(request: Request[Any, Any, Any]) -> Path:
    return Path(request.app.state.settings.data_dir)


def _customer_files(request: Request[Any, Any, Any]) -> list[str]:
    """Customer files the pages may use: .parquet/.csv files in the data directory (never elsewhere)."""
    root = _data_dir(request)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if p.suffix.lower() in (".parquet", ".csv") and not p.name.startswith(".") and p.is_file())


def _columns(path: Path) -> list[str]:
    from runtime.audience.frame import FrameError, frame_columns

    try:
        return frame_columns(path)
    except FrameError:
        return []


def _is_customer_base(columns: list[str]) -> bool:
    """A list the campaigns can call: a customer id and a phone number per row (calls, business
    data and outcome files in the same directory have no phone column)."""
    return "customer_id" in columns and "phone" in columns


def _file_choices(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    """The data directory's files, customer bases first (``customers.*`` before the others)."""
    root = _data_dir(request)
    out: list[dict[str, Any]] = []
    for name in _customer_files(request):
        cols = _columns(root / name)
        out.append({"name": name, "customers": _is_customer_base(cols), "columns": cols})
    out.sort(key=lambda x: (not x["customers"], not str(x["name"]).startswith("customers."), str(x["name"])))
    return out


def _fields_of(columns: list[str]) -> list[str]:
    """The columns a rule may use, plus ``x_days`` for each timestamp column ``x_at``."""
    return [*columns, *(f"{c.removesuffix('_at')}_days" for c in columns if c.endswith("_at"))]


def _form_rows(data: dict[str, str]) -> list[tuple[str, str, str]]:
    """The builder's rows in page order (rows can be added and removed, so their numbers have gaps)."""
    numbers = sorted({int(m.group(1)) for k in data if (m := _ROW_KEY.fullmatch(k))})
    return [(data.get(f"field{i}", ""), data.get(f"op{i}", "=="), data.get(f"value{i}", "")) for i in numbers]


class _FormProblem(ValueError):
    """A mistake in the builder's form, already said in the user's language."""


def _rule_of(t: Translator, combinator: str, rows: list[tuple[str, str, str]], fields: list[str]) -> dict[str, Any]:
    """The rule of the form, every mistake named with its row in the page's language."""
    from runtime.audience.rules import OPS, RuleError, rule_from_rows

    if len(rows) > MAX_RULE_ROWS:
        raise _FormProblem(t("an.rule.too_many", n=MAX_RULE_ROWS))
    known = set(fields)
    used = 0
    for i, (fld, op, text) in enumerate(rows, start=1):
        fld, text = fld.strip(), text.strip()
        if not fld:
            continue
        used += 1
        if fld not in known:
            raise _FormProblem(t("an.rule.unknown_field", row=i, field=fld))
        if op not in OPS:
            raise _FormProblem(t("an.rule.unknown_op", row=i, op=op))
        if op not in ("is_null", "not_null") and not text:
            raise _FormProblem(t("an.rule.needs_value", row=i, field=fld, op=Formatter(t).op(op)))
        if op == "between" and len([v for v in text.split(",") if v.strip()]) != 2:
            raise _FormProblem(t("an.rule.between", row=i))
    if not used:
        raise _FormProblem(t("an.rule.no_condition"))
    try:
        return rule_from_rows(combinator if combinator in ("all", "any") else "all", rows)
    except RuleError as e:
        raise _FormProblem(t("an.rule.invalid", error=str(e))) from e


def _default_file(files: list[dict[str, Any]], wanted: str | None) -> str | None:
    names = [f["name"] for f in files]
    if wanted in names:
        return wanted
    return files[0]["name"] if files else None


def _rule_form(request: Request[Any, Any, Any], chosen: str | None, status_code: int = 200,
               values: dict[str, str] | None = None) -> Template:
    from runtime.audience.rules import OPS

    files = _file_choices(request)
    chosen = _default_file(files, chosen)
    info = next((f for f in files if f["name"] == chosen), None)
    fields = _fields_of(info["columns"]) if info else []
    values = values or {}
    rows = _form_rows(values) or [("", "==", "")]
    return _view(request, "analytics_rule_form.html", status_code=status_code, files=files, chosen=chosen,
                 chosen_is_customers=bool(info and info["customers"]), fields=fields, ops=OPS, rows=rows,
                 values=values, max_rows=MAX_RULE_ROWS, max_upload_mb=MAX_CUSTOMER_UPLOAD // (1024 * 1024))


# One customer file kept in memory between previews (keyed by path, size and modification
# time): the match count is asked for on every change of the form.
_FRAME_CACHE: dict[str, Any] = {}
_FRAME_LOCK = threading.Lock()


def _cached_frame(path: Path) -> Any:
    from runtime.audience.frame import read_frame

    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    with _FRAME_LOCK:
        if _FRAME_CACHE.get("key") == key:
            return _FRAME_CACHE["frame"]
    frame = read_frame(path)
    with _FRAME_LOCK:
        _FRAME_CACHE.update(key=key, frame=frame)
    return frame


# ---- customer files: upload into the data directory ----

MAX_CUSTOMER_UPLOAD = 100 * 1024 * 1024
_UPLOAD_TYPES = (".csv", ".xlsx", ".parquet")
_SAFE_NAME = re.compile(r"[^\w.-]+")


def _upload_name(filename: str) -> str:
    """The stored name: the upload's base name, made safe, always ``.parquet``."""
    stem = _SAFE_NAME.sub("_", Path(filename.replace("\\", "/")).stem).strip("._") or "customers"
    return f"{stem[:80]}.parquet"


class _TooLarge(_FormProblem):
    """The upload is past a row or expanded-size limit (answered 413, not 400)."""


def read_customer_upload(raw: bytes, filename: str, t: Translator,
                         limits: UploadLimits | None = None) -> tuple[Any, list[str]]:
    """(frame, row problems) of an uploaded customer file, or ``_FormProblem`` saying why not.

    CSV (UTF-8 or GBK) and XLSX go through the campaign list reader (every bad row reported with
    its line), streamed, within ``limits`` (rows; how far an XLSX expands, checked before it is
    parsed); Parquet is read as it is once its footer is within them. The file must have
    ``customer_id`` and ``phone``."""
    from runtime.audience.frame import FrameError, frame_len, read_frame
    from runtime.audience.from_source import frame_from_rows
    from runtime.campaigns.upload_limits import oversized_parquet
    from runtime.campaigns.uploads import (
        RowError,
        UploadError,
        UploadTooLarge,
        decode_text,
        read_csv_text,
        read_xlsx,
    )

    limits = limits or UploadLimits.configured()

    suffix = Path(filename).suffix.lower()
    if suffix not in _UPLOAD_TYPES:
        raise _FormProblem(t("an.upload.type", name=filename, types=", ".join(_UPLOAD_TYPES)))
    if not raw:
        raise _FormProblem(t("an.upload.empty", name=filename))
    problems: list[RowError] = []
    if suffix == ".parquet":
        with tempfile.TemporaryDirectory() as tmp:
            p = Path(tmp) / "upload.parquet"
            p.write_bytes(raw)
            try:
                problem = oversized_parquet(str(p), limits)
            except Exception as e:  # pyarrow raises several types for a file that is not Parquet
                raise _FormProblem(t("an.upload.unreadable", name=filename, error=str(e).replace(str(p), filename))) from e
            if problem:
                raise _TooLarge(t("an.upload.too_big", name=filename, error=problem))
            try:
                frame = read_frame(p)
            except FrameError as e:
                raise _FormProblem(t("an.upload.unreadable", name=filename,
                                     error=str(e).replace(str(p), filename))) from e
        missing = [c for c in ("customer_id", "phone") if c not in frame]
        if missing:
            raise _FormProblem(t("an.upload.columns", name=filename, missing=", ".join(missing),
                                 have=", ".join(list(frame)[:20])))
        if frame_len(frame) == 0:
            raise _FormProblem(t("an.upload.empty", name=filename))
        return frame, []
    try:  # rows stream from the reader into the frame's columns: no list of every row in between
        if suffix == ".xlsx":
            rows = read_xlsx(raw, problems, limits)
        else:
            if b"\x00" in raw[:4096]:
                raise UploadError(t("an.upload.binary"))
            rows = read_csv_text(decode_text(raw, problems), problems, limits)
        first = next(rows, None)
        if first is None:
            raise _FormProblem(t("an.upload.empty", name=filename))
        names = list(first.values)
        missing = [c for c in ("customer_id", "phone") if c not in names]
        if missing:
            raise _FormProblem(t("an.upload.columns", name=filename, missing=", ".join(missing),
                                 have=", ".join(names[:20])))
        frame = frame_from_rows(itertools.chain([first.values], (r.values for r in rows)))
    except _FormProblem:
        raise
    except UploadTooLarge as e:
        raise _TooLarge(t("an.upload.too_big", name=filename, error=str(e))) from e
    except UploadError as e:
        raise _FormProblem(t("an.upload.unreadable", name=filename, error=str(e))) from e
    except ValueError as e:
        raise _FormProblem(t("an.upload.unreadable", name=filename, error=str(e))) from e
    return frame, [str(p) for p in problems]


def _upload_limits(request: Request[Any, Any, Any]) -> UploadLimits:
    u = request.app.state.settings.uploads
    return UploadLimits(max_rows=u.max_rows, max_expanded_bytes=u.max_expanded_mb * 1024 * 1024, max_cells=u.max_cells)


# ---- model audiences: train a model, select by score (background jobs, progress by htmx polling) ----

_TARGETS = ("recharged", "effective", "connected", "intent")


def _model_page(request: Request[Any, Any, Any], s: Session, status_code: int = 200, job: int | None = None,
                values: dict[str, str] | None = None) -> Template:
    from sqlmodel import select

    from runtime.audience.models import AudienceModel

    files = _file_choices(request)
    models = s.exec(select(AudienceModel).order_by(AudienceModel.id)).all()  # type: ignore[arg-type]
    customers = [f["name"] for f in files if f["customers"]]
    labelled = [f["name"] for f in files if "customer_id" in f["columns"] and any(t in f["columns"] for t in _TARGETS)]
    values = values or {}
    default_outcomes = next((n for n in labelled if "outcome" in n), labelled[0] if labelled else None)
    return _view(request, "analytics_model.html", status_code=status_code, customers=customers, labelled=labelled,
                 default_outcomes=default_outcomes, models=models, targets=_TARGETS, job=job, values=values)


def _start(request: Request[Any, Any, Any], s: Session, data: dict[str, str], kind: str, title: str, steps: int,
           work: Any) -> Response[Any]:
    from web.analytics.jobs import JobBusy, start_job

    try:
        job = start_job(request.app.state, kind, title, steps, work)
    except JobBusy:
        flash(request, translator(request)("an.job.busy"), "error")
        return _model_page(request, s, status_code=409, values=data)
    return Redirect(path=f"/analytics/audiences/model?job={job.id}")


class AnalyticsController(Controller):
    """Reports, comparisons and audiences: an operator's pages, every handler in a worker thread."""

    path = "/"
    guards = [require_permission]
    opt = OPERATOR

    @get("/", sync_to_thread=True)
    def analytics_index(self, request: Request[Any, Any, Any]) -> Template:
        return _view(request, "analytics_index.html", campaigns=_campaign_rows(request))

    @get("/{campaign:str}", sync_to_thread=True)
    def analytics_report(self, request: Request[Any, Any, Any], campaign: FromPath[str]) -> Template:
        report = _report(request, campaign)
        t = translator(request)
        others = [c for c in _campaign_ids(request) if str(c) != campaign]
        return _view(request, "analytics_report.html", report=report, campaign=campaign, others=others,
                     chart_labels=_chart_labels(t, Formatter(t), report))

    @get("/{campaign:str}/report.json", sync_to_thread=True)
    def analytics_json(self, request: Request[Any, Any, Any], campaign: FromPath[str]) -> dict[str, Any]:
        return _report(request, campaign)

    @get("/{campaign:str}/report.xlsx", sync_to_thread=True)
    def analytics_xlsx(self, request: Request[Any, Any, Any], campaign: FromPath[str]) -> Response[bytes]:
        report = _report(request, campaign)
        with tempfile.TemporaryDirectory() as tmp:
            [path] = export_report(report, Path(tmp) / "report.xlsx")
            body = path.read_bytes()
        return Response(
            body,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"content-disposition": f'attachment; filename="campaign-{campaign}.xlsx"'},
        )

    @get("/{campaign:str}/csv/{table:str}", sync_to_thread=True)
    def analytics_csv(self, request: Request[Any, Any, Any], campaign: FromPath[str], table: FromPath[str]) -> Response[str]:
        tables = report_tables(_report(request, campaign))
        name = table.removesuffix(".csv")
        if name not in tables:
            raise NotFoundException(f"no table {name!r} (have: {', '.join(tables)})")
        rows = tables[name]
        buf = io.StringIO()
        if rows:
            write_csv_table(buf, rows)  # no cell a spreadsheet would evaluate
        return Response(
            buf.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="campaign-{campaign}-{name}.csv"'},
        )

    @get("/compare", sync_to_thread=True)
    def compare_pick(self, request: Request[Any, Any, Any], a: FromQuery[str] = "", b: FromQuery[str] = "") -> Response[Any]:
        """The pickers' target (report page, campaign list): on to ``/analytics/compare/A/B``."""
        t = translator(request)
        if not (a.isdigit() and b.isdigit()):
            return _compare_refusal(request, t("an.compare.pick_two"), int(a) if a.isdigit() else None,
                                    int(b) if b.isdigit() else None)
        if a == b:
            return _compare_refusal(request, t("an.compare.same", id=a), int(a), int(b))
        return Redirect(path=f"/analytics/compare/{int(a)}/{int(b)}")

    @get("/compare/{a:int}/{b:int}", sync_to_thread=True)
    def analytics_compare(self, request: Request[Any, Any, Any], a: FromPath[int], b: FromPath[int]) -> Template:
        """Two campaigns side by side (AI vs manual calling): differences with intervals and tests."""
        from runtime.analytics.compare import compare_campaigns

        t = translator(request)
        if a == b:
            return _compare_refusal(request, t("an.compare.same", id=a), a, b)
        path = _store_path(request)
        if not path.exists():
            raise NotFoundException(t("an.index.no_data"))
        with _open(path) as st:
            try:
                result = compare_campaigns(st, a, b)
            except ValueError as e:
                raise NotFoundException(str(e)) from e
        return _view(request, "analytics_compare.html", c=result, a=a, b=b, b_pick=b, error=None,
                     campaigns=_campaign_ids(request))

    @get("/audiences/list", sync_to_thread=True)
    def audiences_page(self, request: Request[Any, Any, Any], db_session: DbSession) -> Template:
        from sqlmodel import select

        from runtime.audience.models import Audience, AudienceModel

        audiences = db_session.exec(select(Audience).order_by(Audience.id)).all()  # type: ignore[arg-type]
        models = db_session.exec(select(AudienceModel).order_by(AudienceModel.id)).all()  # type: ignore[arg-type]
        return _view(request, "analytics_audiences.html", audiences=audiences, models=models)

    @get("/audiences/new", sync_to_thread=True)
    def rule_form(self, request: Request[Any, Any, Any], customers: FromQuery[str | None] = None,
                  too_large: FromQuery[int | None] = None) -> Template:
        """The visual rule builder: conditions over the fields of a customer file, combined by AND / OR."""
        too_large_flash(request, too_large, MAX_CUSTOMER_UPLOAD)
        return _rule_form(request, customers)

    @post("/audiences/preview", sync_to_thread=True)
    def rule_preview(self, request: Request[Any, Any, Any], data: RuleBuilderForm) -> Template:
        """htmx: how many customers the rule on screen selects (and how many of them can be called)."""
        import numpy as np

        from runtime.audience.frame import FrameError, frame_len
        from runtime.audience.rules import RuleError, rule_mask
        from runtime.audience.store import reachable

        t = translator(request)
        chosen = data.get("customers") or ""
        ctx: dict[str, Any] = {"total": None, "matched": None, "callable": None, "problem": None}
        if chosen not in _customer_files(request):
            ctx["problem"] = t("an.rule.no_file", name=chosen)
            return _view(request, "analytics_rule_preview.html", **ctx)
        path = _data_dir(request) / chosen
        try:
            frame = _cached_frame(path)
            ctx["total"] = frame_len(frame)
            rows = _form_rows(data)
            if any(f.strip() for f, _, _ in rows):
                rule = _rule_of(t, data.get("combinator", "all"), rows, _fields_of(list(frame)))
                mask = rule_mask(rule, frame, np.datetime64("now", "s"))
                ctx["matched"] = int(mask.sum())
                if "customer_id" in frame and "phone" in frame:
                    ctx["callable"] = int((mask & reachable(frame)).sum())
        except _FormProblem as e:
            ctx["problem"] = str(e)
        except (RuleError, FrameError) as e:
            ctx["problem"] = t("an.rule.invalid", error=str(e))
        return _view(request, "analytics_rule_preview.html", **ctx)

    @post("/audiences/rule", sync_to_thread=True)
    def create_rule_audience(self, request: Request[Any, Any, Any], db_session: DbSession,
                             data: RuleBuilderForm) -> Response[Any]:
        """Create (or replace) a rule audience from the builder's form; a mistake shows the form again,
        with what was typed and the reason in the user's language."""
        import numpy as np

        from runtime.audience.frame import FrameError, read_frame
        from runtime.audience.rules import RuleError, rule_mask
        from runtime.audience.store import reachable, save_audience

        t = translator(request)
        name = (data.get("name") or "").strip()
        chosen = data.get("customers") or ""
        cron = (data.get("cron") or "").strip() or None
        try:
            if not name:
                raise _FormProblem(t("an.rule.need_name"))
            if chosen not in _customer_files(request):
                raise _FormProblem(t("an.rule.no_file", name=chosen))
            path = _data_dir(request) / chosen
            columns = _columns(path)
            if not _is_customer_base(columns):
                raise _FormProblem(t("an.rule.not_customers", name=chosen))
            if cron:
                from croniter import croniter

                if not croniter.is_valid(cron):
                    raise _FormProblem(t("an.rule.bad_cron", cron=cron))
            rule = _rule_of(t, data.get("combinator", "all"), _form_rows(data), _fields_of(columns))
            frame = read_frame(path)
            try:
                mask = rule_mask(rule, frame, np.datetime64("now", "s"))
            except RuleError as e:
                raise _FormProblem(t("an.rule.invalid", error=str(e))) from e
            ok = reachable(frame)
            skipped = int((mask & ~ok).sum())
            aud = save_audience(db_session, name, frame, np.flatnonzero(mask & ok), None, "rule", str(path),
                                rule=rule, refresh_cron=cron)
            size, held = aud.size, aud.held_out
        except (_FormProblem, FrameError) as e:
            flash(request, str(e), "error")
            return _rule_form(request, chosen or None, status_code=400, values=dict(data))
        note = t("an.rule.skipped", n=f"{skipped:,}") if skipped else ""
        flash(request, t("an.rule.saved", name=name, size=f"{size:,}", held=f"{held:,}") + note)
        return Redirect(path="/analytics/audiences/list")

    @post("/audiences/upload", sync_to_thread=True,
          request_max_body_size=MAX_CUSTOMER_UPLOAD + 64 * 1024,
          exception_handlers={413: too_large_handler("/analytics/audiences/new", MAX_CUSTOMER_UPLOAD)})
    def upload_customers(self, request: Request[Any, Any, Any],
                         data: Annotated[CustomerUpload, MULTI_PART]) -> Response[Any]:
        """A customer file (CSV/XLSX/Parquet) into the data directory as Parquet, for the rule builder
        and ``huashu audience``; refused with the reason, never half written."""
        from runtime.audience.frame import frame_len, write_frame
        from runtime.audience.store import reachable

        t = translator(request)
        upload = data.file
        replace = is_checked(data.replace)
        if not isinstance(upload, UploadFile) or not upload.filename:
            flash(request, t("an.upload.no_file"), "error")
            return _rule_form(request, None, status_code=400)
        raw = upload.file.read(MAX_CUSTOMER_UPLOAD + 1)
        try:
            if len(raw) > MAX_CUSTOMER_UPLOAD:
                raise _FormProblem(t("an.upload.too_large", name=upload.filename,
                                     limit=MAX_CUSTOMER_UPLOAD // (1024 * 1024)))
            target = _data_dir(request) / _upload_name(upload.filename)
            if target.exists() and not replace:
                raise _FormProblem(t("an.upload.exists", name=target.name))
            frame, problems = read_customer_upload(raw, upload.filename, t, _upload_limits(request))
            private_dir(target.parent)
            tmp = target.with_name(f".part-{target.name}")
            try:
                write_frame(frame, tmp)
                make_private(tmp)  # customer data: the server user's only (0600)
                tmp.replace(target)
            finally:
                tmp.unlink(missing_ok=True)
        except _FormProblem as e:
            flash(request, str(e), "error")
            return _rule_form(request, None, status_code=413 if isinstance(e, _TooLarge) else 400)
        rows = frame_len(frame)
        callable_rows = int(reachable(frame).sum())
        msg = t("an.upload.saved", name=target.name, rows=f"{rows:,}", callable=f"{callable_rows:,}")
        if problems:
            shown = "; ".join(problems[:5]) + (" …" if len(problems) > 5 else "")
            msg += " " + t("an.upload.row_problems", n=len(problems), problems=shown)
        flash(request, msg, "warn" if problems else "ok")
        return Redirect(path=f"/analytics/audiences/new?customers={target.name}")

    @get("/audiences/model", sync_to_thread=True)
    def model_page(self, request: Request[Any, Any, Any], db_session: DbSession,
                   job: FromQuery[int | None] = None) -> Template:
        """Train a model over a customer file and its outcomes, or select an audience by a model's score."""
        return _model_page(request, db_session, job=job)

    @post("/audiences/train", sync_to_thread=True)
    def train_start(self, request: Request[Any, Any, Any], engine: EngineDep, db_session: DbSession,
                    data: Annotated[TrainForm, URL_ENCODED]) -> Response[Any]:
        from web.analytics.jobs import train_job

        t = translator(request)
        files = _customer_files(request)
        customers, outcomes, target, kind = data.customers, data.outcomes, data.target, data.kind
        name = data.name.strip() or f"{kind}-{target}"
        problem = None
        if customers not in files:
            problem = t("an.rule.no_file", name=customers)
        elif outcomes not in files:
            problem = t("an.rule.no_file", name=outcomes)
        elif target not in _TARGETS or kind not in ("tree", "logistic"):
            problem = t("an.job.bad_choice")
        elif target not in _columns(_data_dir(request) / outcomes):
            problem = t("an.job.no_target", name=outcomes, target=target)
        if problem:
            flash(request, problem, "error")
            return _model_page(request, db_session, status_code=400, values=asdict(data))
        root = _data_dir(request)
        work = train_job(root / customers, root / outcomes, target, kind, name, root / "models", engine)
        steps = 2 + 3 + 1 if kind == "tree" else 2 + 2 + 1
        return _start(request, db_session, asdict(data), "train", t("an.job.train_title", name=name), steps, work)

    @post("/audiences/select", sync_to_thread=True)
    def select_start(self, request: Request[Any, Any, Any], engine: EngineDep, db_session: DbSession,
                     data: Annotated[SelectForm, URL_ENCODED]) -> Response[Any]:
        from web.analytics.jobs import select_job

        t = translator(request)
        name = data.name.strip()
        customers, model, top = data.customers, data.model, data.top
        problem = None
        if not name:
            problem = t("an.rule.need_name")
        elif customers not in _customer_files(request):
            problem = t("an.rule.no_file", name=customers)
        elif not model.isdigit():
            problem = t("an.job.pick_model")
        elif not top.isdigit() or int(top) < 1:
            problem = t("an.job.bad_top")
        if problem:
            flash(request, problem, "error")
            return _model_page(request, db_session, status_code=400, values=asdict(data))
        work = select_job(name, int(model), _data_dir(request) / customers, int(top), engine)
        return _start(request, db_session, asdict(data), "select", t("an.job.select_title", name=name), 3, work)

    @get("/jobs/{job_id:int}", sync_to_thread=True)
    def job_status(self, request: Request[Any, Any, Any], job_id: FromPath[int]) -> Template:
        """htmx, every second while running: the job's steps, a bar, and at the end what it made."""
        from web.analytics.jobs import get_job, step_text

        job = get_job(request.app.state, job_id)
        if job is None:
            raise NotFoundException(translator(request)("an.job.unknown", id=job_id))
        t = translator(request)
        steps = [step_text(t, k, p) for k, p in job.steps]
        return _view(request, "analytics_job.html", job=job, steps=steps)


router = Router(path="/analytics", route_handlers=[AnalyticsController])
