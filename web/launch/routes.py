"""The launch wizard's pages: numbers, then settings, then a last look and Start.

``/launch/new?script=ID&version=N`` starts a wizard (from the editor, the script list or the
task list); ``/launch/task/ID/edit`` opens a stored task's settings in the same pages. Each
step re-validates what it shows, and the last one re-reads and re-screens the list, so what
the page counts is what the task will get. Operators and admins only (``campaigns.run``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from designer import store
from runtime.campaigns.models import DataSource
from runtime.campaigns.progress import progress
from runtime.campaigns.scripts import required_variables, store_document
from runtime.campaigns.tasks import TaskError, get_task, update_task
from web.auth.guards import can, require_permission
from web.auth.roles import Permission
from web.deps import CurrentUser, EngineDep, SettingsDep
from web.forms import MULTI_PART, URL_ENCODED
from web.i18n.errors import say_error
from web.launch import state
from web.launch.launching import check_launchable, launch
from web.launch.numbers import ListRead, Screened, mapped, read_rows, screen_rows
from web.launch.wizard import (
    MAPPED_FIELDS,
    REDIAL_CHOICES,
    Draft,
    Problems,
    SettingsForm,
    changed_fields,
    check_mapping,
    cron_problem,
    draft_from_task,
    guess_mapping,
    next_runs,
    parse_mapping_form,
    parse_numbers_form,
    parse_settings_form,
    to_spec,
)
from web.operator._render import RUN, VIEW, op_page, translator_of
from web.operator.task_views import task_or_404, task_row
from web.render import flash, is_htmx, language_of

__all__ = ["LaunchController", "TaskProgressController", "ListUpload", "LaunchForm", "provide_drafts", "provide_draft"]

#: the numbers step's bodies stay mappings: their column-mapping keys (``map_<field>``,
#: ``var_<variable>``) are named by the script, so no dataclass declares them
Multipart = Annotated[dict[str, Any], MULTI_PART]
UrlForm = Annotated[dict[str, Any], URL_ENCODED]
#: how long a list file may be (the app's body limit is the hard one; this one says it kindly)
MAX_LIST_BYTES = 10 * 1024 * 1024


@dataclass
class ListUpload:
    """The list file alone (``/upload``: the file input posts as soon as a file is picked)."""

    file: UploadFile | None = None


@dataclass
class LaunchForm:
    """The review page's buttons: ``start``, ``draft``, or ``save`` (an edited task)."""

    action: str = ""


def provide_drafts(settings: SettingsDep, current_user: CurrentUser) -> state.Drafts:
    """The signed-in user's wizards (the guard has made sure there is one)."""
    return state.Drafts(Path(settings.data_dir), current_user.username)


DraftsDep = NamedDependency[state.Drafts]


def provide_draft(wid: FromPath[str], drafts: DraftsDep) -> Draft:
    """The wizard of the path's ``wid``: 404 once it has ended, expired, or is another user's."""
    draft = drafts.load(wid)
    if draft is None:
        raise NotFoundException("this launch wizard has ended or expired; start again from the script or the task list")
    return draft


DraftDep = NamedDependency[Draft]


# --- what the pages offer -------------------------------------------------------------------------


def _approved_scripts(engine: Engine) -> list[store.ScriptSummary]:
    with Session(engine) as s:
        return [r for r in store.list_scripts(s) if r.approved]


def _document(engine: Engine, draft: Draft) -> dict[str, Any]:
    return store_document(engine, draft.script_id, draft.script_version) or {} if draft.script_id else {}


def _script_variables(doc: dict[str, Any]) -> tuple[list[str], frozenset[str]]:
    """(every variable the script knows, in order; the required ones)."""
    if not doc:
        return [], frozenset()
    required = required_variables(doc)
    declared = list((doc.get("variables") or {}).keys())
    return declared + sorted(required - set(declared)), required


def _sources(engine: Engine) -> list[DataSource]:
    """Saved data sources; the copies uploads made are listed as uploads, not here."""
    with Session(engine) as s:
        return list(s.exec(select(DataSource).where(~col(DataSource.name).startswith("upload:"))
                           .order_by(col(DataSource.name))).all())


def _audiences(engine: Engine) -> list[Any]:
    from runtime.audience.models import Audience

    with Session(engine) as s:
        return list(s.exec(select(Audience).order_by(col(Audience.name))).all())


def _pools(engine: Engine) -> list[dict[str, Any]]:
    from runtime.campaigns.callerid.store import list_pools

    return list_pools(engine)


# --- the list and its screen ----------------------------------------------------------------------


class _Listing:
    """The numbers step's view of the list: columns, mapping problems, the screen's counts."""

    def __init__(self, read: ListRead, problems: Problems, screened: Screened | None) -> None:
        self.read = read
        self.problems = problems
        self.screened = screened


def _listing(request: Request[Any, Any, Any], engine: Engine, settings: SettingsDep, draft: Draft, *,
             screen: bool = True) -> _Listing | None:
    if draft.numbers == "upload" and draft.upload_path is None:
        return None
    if draft.numbers == "source" and draft.source_id is None:
        return None
    if draft.numbers == "audience":
        return _audience_listing(request, engine, settings, draft, screen=screen)
    read = read_rows(engine, draft.numbers, upload=draft.upload_path, source_id=draft.source_id,
                     query=draft.query, params=draft.query_params)
    if read.problem is not None:
        return _Listing(read, {}, None)
    _, required = _script_variables(_document(engine, draft))
    problems = check_mapping(draft.mapping, read.columns, required)
    if problems or not screen:
        return _Listing(read, problems, None)
    rows, problem = mapped(read.rows, draft.mapping)
    if problem is not None:
        return _Listing(read, {"map_phone": problem}, None)
    spec = to_spec(draft, None)
    got = screen_rows(engine, spec, rows, len(read.bad_rows), settings.phone_region,
                      can(request, Permission.VIEW_PERSONAL))
    return _Listing(read, problems, got)


def _audience_listing(request: Request[Any, Any, Any], engine: Engine, settings: SettingsDep, draft: Draft, *,
                      screen: bool) -> _Listing | None:
    """A saved audience's members: they bring their own variables (no column mapping), so a
    script variable some member lacks is refused here; the run would cancel each such call."""
    if draft.audience_id is None:
        return None
    from runtime.campaigns.audience_source import audience_rows
    from runtime.campaigns.sources import SourceError

    try:
        rows = audience_rows(engine, draft.audience_id)
    except SourceError:
        return _Listing(ListRead(problem=("launch.err.no_audience", {})), {}, None)
    _, required = _script_variables(_document(engine, draft))
    missing = sorted({v for r in rows for v in required if r.variables.get(v) in (None, "")})
    if missing:
        names = ", ".join(f"${v}" for v in missing)
        return _Listing(ListRead(problem=("launch.err.audience_variables", {"names": names})), {}, None)
    got = screen_rows(engine, to_spec(draft, None), rows, 0, settings.phone_region,
                      can(request, Permission.VIEW_PERSONAL)) if screen else None
    return _Listing(ListRead(), {}, got)


def _numbers_page(request: Request[Any, Any, Any], engine: Engine, settings: SettingsDep, draft: Draft,
                  problems: Problems | None = None, status_code: int = 200) -> Template:
    variables, required = _script_variables(_document(engine, draft))
    listing = _listing(request, engine, settings, draft)
    return op_page(request, "launch/numbers.html", status_code=status_code, d=draft, step="numbers",
                   problems=problems or {}, listing=listing, scripts=_approved_scripts(engine),
                   sources=_sources(engine), audiences=_audiences(engine), variables=variables, required=required,
                   fields=MAPPED_FIELDS)


def _mapping_fragment(request: Request[Any, Any, Any], engine: Engine, settings: SettingsDep, draft: Draft,
                      problems: Problems | None = None, oob: bool = False) -> Template:
    """The list area alone; ``oob``: with a fresh file input (swapped out of band), so the file
    just uploaded is not sent again with every later change."""
    variables, required = _script_variables(_document(engine, draft))
    return op_page(request, "launch/_list.html", d=draft, listing=_listing(request, engine, settings, draft),
                   variables=variables,
                   required=required, fields=MAPPED_FIELDS, problems=problems or {}, oob=oob)


def _settings_page(request: Request[Any, Any, Any], engine: Engine, draft: Draft, problems: Problems | None = None,
                   status_code: int = 200) -> Template:
    runs = _runs(draft, language_of(request))
    return op_page(request, "launch/settings.html", status_code=status_code, d=draft, step="settings",
                   problems=problems or {}, pools=_pools(engine), redial_choices=REDIAL_CHOICES,
                   runs=runs, picked_outcomes=set(draft.redial_outcomes.split(",")))


def _runs(draft: Draft, lang: str) -> list[str]:
    if draft.schedule != "cron" or cron_problem(draft.cron, draft.timezone) is not None:
        return []
    return next_runs(draft.cron, draft.timezone, lang)


#: a changed task field -> the label the settings page gives it (the review lists changes by label)
CHANGE_LABELS: dict[str, str] = {
    "name": "launch.name", "windows": "launch.windows", "max_concurrent": "launch.max_concurrent",
    "calls_per_second": "launch.cps", "spread": "launch.spread", "priority": "launch.priority",
    "redial_count": "launch.redial_count", "redial_interval_s": "launch.redial_interval",
    "redial_outcomes": "launch.redial_outcomes", "call_secondary": "launch.call_secondary",
    "caller_id": "launch.caller_id", "caller_pool": "launch.caller_pool", "voice": "launch.voice",
    "agent_group": "launch.agent_group", "dedupe_days": "launch.dedupe_days", "misfire": "launch.misfire",
    "schedule_kind": "launch.when", "cron": "launch.cron", "timezone": "launch.timezone", "once_at": "launch.once_at",
    "answer_mode": "launch.answer_mode", "answer_on_machine": "launch.on_machine",
    "answer_message": "launch.machine_message", "answer_screener_text": "launch.screener_text",
    "best_time": "launch.best_time",
}


class LaunchController(Controller):
    """Every page of the wizard; the guard and the permission are set once, here. A page is given
    the engine, the settings, the user's wizards (``drafts``) and, under ``/{wid}``, its draft."""

    path = "/launch"
    guards = [require_permission]  # noqa: RUF012 - Litestar reads the class attribute
    opt = RUN  # noqa: RUF012
    include_in_schema = False
    dependencies = {  # noqa: RUF012
        "drafts": Provide(provide_drafts, sync_to_thread=False),
        "draft": Provide(provide_draft, sync_to_thread=True),  # reads the draft's file
    }

    @get("/new", sync_to_thread=True)
    def start_wizard(self, engine: EngineDep, settings: SettingsDep, drafts: DraftsDep,
                     script: FromQuery[str | None] = None, version: FromQuery[int | None] = None) -> Redirect:
        """A new wizard; from a script's page the script, name and business are filled in."""
        state.sweep(Path(settings.data_dir))
        draft = Draft(wid=state.new_wid())
        if script:
            draft.script_id, draft.script_version = script[:200], version
            if draft.script_version is None:
                draft.script_version = _approved_version(engine, draft.script_id)
            _script_defaults(engine, draft)
        drafts.save(draft)
        return Redirect(path=f"/launch/{draft.wid}/numbers")

    @get("/task/{task_id:int}/edit", sync_to_thread=True)
    def edit_task(self, engine: EngineDep, drafts: DraftsDep, task_id: FromPath[int]) -> Redirect:
        task = task_or_404(engine, task_id, deleted=False)
        draft = draft_from_task(state.new_wid(), task)
        drafts.save(draft)
        return Redirect(path=f"/launch/{draft.wid}/settings")

    @get("/{wid:str}/numbers", sync_to_thread=True)
    def numbers_page(self, request: Request[Any, Any, Any], engine: EngineDep, settings: SettingsDep,
                     draft: DraftDep) -> Response[Any]:
        if draft.task_id is not None:  # a stored task keeps its numbers: its settings change here
            return Redirect(path=f"/launch/{draft.wid}/settings")
        return _numbers_page(request, engine, settings, draft)

    @post("/{wid:str}/upload", sync_to_thread=True)
    def upload(self, request: Request[Any, Any, Any], engine: EngineDep, settings: SettingsDep, drafts: DraftsDep,
               draft: DraftDep, data: Annotated[ListUpload, MULTI_PART]) -> Template:
        """The list file: kept aside for this wizard, its columns mapped by name as a first guess."""
        problems: Problems = {}
        if data.file is not None and data.file.filename:
            problems = _take_file(engine, drafts, draft, data.file)
        else:
            problems["file"] = ("launch.err.no_file", {})
        drafts.save(draft)
        if is_htmx(request):
            return _mapping_fragment(request, engine, settings, draft, problems, oob=True)
        return _numbers_page(request, engine, settings, draft, problems, 400 if problems else 200)

    @post("/{wid:str}/preview", sync_to_thread=True)
    def preview(self, request: Request[Any, Any, Any], engine: EngineDep, settings: SettingsDep, drafts: DraftsDep,
                draft: DraftDep, data: UrlForm) -> Template:
        """The mapping changed (or the source, or the query): the preview again."""
        parse_numbers_form(draft, data)
        parse_mapping_form(draft, data)
        drafts.save(draft)
        return _mapping_fragment(request, engine, settings, draft)

    @post("/{wid:str}/numbers", sync_to_thread=True)
    def numbers_submit(self, request: Request[Any, Any, Any], engine: EngineDep, settings: SettingsDep,
                       drafts: DraftsDep, draft: DraftDep, data: Multipart) -> Response[Any]:
        problems: Problems = {}
        file = data.get("file")
        fresh = isinstance(file, UploadFile) and bool(file.filename)
        if isinstance(file, UploadFile) and file.filename:
            problems.update(_take_file(engine, drafts, draft, file))
        form = {k: v for k, v in data.items() if not isinstance(v, UploadFile)}
        problems.update({k: v for k, v in parse_numbers_form(draft, form).items() if k not in problems})
        for k in _script_defaults(engine, draft):  # a script picked from the task list names the task
            problems.pop(k, None)
        if draft.script_id and "script" not in problems:
            why = check_launchable(engine, draft)
            if why is not None:
                problems["script"] = ("launch.err.not_approved", {})
        listing = None if problems else _listing(request, engine, settings, draft, screen=False)
        if listing is not None:
            if listing.read.problem is not None:
                problems["file" if draft.numbers == "upload" else f"{draft.numbers}_id"] = listing.read.problem
            problems.update(listing.problems)
        drafts.save(draft)
        if problems or fresh:  # a list just chosen: show its mapping and preview before going on
            return _numbers_page(request, engine, settings, draft, problems, 400 if problems else 200)
        return Redirect(path=f"/launch/{draft.wid}/settings")

    @get("/{wid:str}/settings", sync_to_thread=True)
    def settings_page(self, request: Request[Any, Any, Any], engine: EngineDep, draft: DraftDep) -> Template:
        return _settings_page(request, engine, draft)

    @post("/{wid:str}/settings", sync_to_thread=True)
    def settings_submit(self, request: Request[Any, Any, Any], engine: EngineDep, drafts: DraftsDep,
                        draft: DraftDep, data: Annotated[SettingsForm, URL_ENCODED]) -> Response[Any]:
        problems = parse_settings_form(draft, data)
        drafts.save(draft)
        if problems:
            return _settings_page(request, engine, draft, problems, 400)
        return Redirect(path=f"/launch/{draft.wid}/review")

    @get("/{wid:str}/cron", sync_to_thread=True)
    def cron_preview(self, request: Request[Any, Any, Any], draft: DraftDep, cron: FromQuery[str] = "",
                     timezone: FromQuery[str] = "Asia/Shanghai") -> Template:
        """The next five runs in words, or what is wrong with the expression (as it is typed);
        asked for by a wizard's settings page only (``draft``: 404 without one)."""
        problem = cron_problem(cron[:120], timezone[:64])
        runs = next_runs(cron[:120].strip(), timezone[:64], language_of(request)) if problem is None else []
        return op_page(request, "launch/_cron.html", problem=problem, runs=runs)

    @get("/{wid:str}/review", sync_to_thread=True)
    def review_page(self, request: Request[Any, Any, Any], engine: EngineDep, settings: SettingsDep,
                    draft: DraftDep) -> Template:
        return _review(request, engine, settings, draft)

    @post("/{wid:str}/start", sync_to_thread=True)
    def start(self, request: Request[Any, Any, Any], engine: EngineDep, settings: SettingsDep, drafts: DraftsDep,
              draft: DraftDep, data: Annotated[LaunchForm, URL_ENCODED]) -> Response[Any]:
        """Create the task and start it (``action=start``) or keep it as a draft (``action=draft``);
        for an edited task, save the changed settings."""
        wid = draft.wid
        t = translator_of(request)
        if draft.task_id is not None:
            return _save_edit(request, engine, settings, drafts, draft)
        listing = _listing(request, engine, settings, draft)
        blocked = (listing is None or listing.read.problem is not None or bool(listing.problems)
                   or listing.screened is None)
        if blocked:
            flash(request, t("launch.err.numbers_again"), "error")
            return Redirect(path=f"/launch/{wid}/numbers")
        if parse_settings_form(Draft(wid=wid), SettingsForm.of_draft(draft)):
            return Redirect(path=f"/launch/{wid}/settings")
        if data.action == "start" and listing and listing.screened and listing.screened.to_call == 0:
            return _review(request, engine, settings, draft, t("launch.err.none_to_call"), 400)  # a draft may still be kept
        why = check_launchable(engine, draft)
        if why is not None:
            return _review(request, engine, settings, draft, t("launch.err.not_approved"), 409)
        try:
            done = launch(engine, drafts.data_dir, draft, start=data.action != "draft")
        except TaskError as e:
            return _review(request, engine, settings, draft, say_error(t, e, prefix="task."), 400)
        drafts.drop(wid)
        task = done.task
        if done.start_error:
            flash(request, t("launch.saved_not_started", error=say_error(t, done.start_error, prefix="task.")), "error")
        elif task.status == "running":
            flash(request, t("launch.started", name=task.name))
        else:
            flash(request, t("launch.saved_draft", name=task.name))
        return Redirect(path=f"/operator/tasks/{task.id}")

    @post("/{wid:str}/cancel", sync_to_thread=True)
    def cancel(self, drafts: DraftsDep, wid: FromPath[str]) -> Redirect:
        draft = drafts.load(wid)
        drafts.drop(wid)
        if draft is not None and draft.task_id is not None:
            return Redirect(path=f"/operator/tasks/{draft.task_id}")
        return Redirect(path="/operator/tasks")


def _take_file(engine: Engine, drafts: state.Drafts, draft: Draft, file: UploadFile) -> Problems:
    body = file.file.read(MAX_LIST_BYTES + 1)
    if len(body) > MAX_LIST_BYTES:
        return {"file": ("launch.err.too_large", {"mb": MAX_LIST_BYTES // (1024 * 1024)})}
    try:
        path = state.store_upload(drafts.data_dir, draft.wid, file.filename or "list.csv", body)
    except ValueError:
        return {"file": ("launch.err.file_type", {})}
    draft.upload_path, draft.upload_name = str(path), Path(file.filename or "list.csv").name[:120]
    draft.numbers = "upload"
    read = read_rows(engine, "upload", upload=draft.upload_path)
    if read.problem is not None:
        state.remove_upload(draft.upload_path)
        draft.upload_path = draft.upload_name = None
        return {"file": read.problem}
    variables, _ = _script_variables(_document(engine, draft))
    draft.mapping = guess_mapping(read.columns, variables)
    return {}


def _review(request: Request[Any, Any, Any], engine: Engine, settings: SettingsDep, draft: Draft,
            error: str | None = None, status_code: int = 200) -> Template:
    listing = _listing(request, engine, settings, draft) if draft.task_id is None else None
    task = get_task(engine, draft.task_id) if draft.task_id is not None else None
    changes = changed_fields(draft, task) if task is not None else {}
    return op_page(request, "launch/review.html", status_code=status_code, d=draft, step="review",
                   listing=listing, error=error, task=task, changes=changes, labels=CHANGE_LABELS,
                   runs=_runs(draft, language_of(request)),
                   existing=progress(engine, draft.task_id) if draft.task_id is not None else None)


def _save_edit(request: Request[Any, Any, Any], engine: Engine, settings: SettingsDep, drafts: state.Drafts,
               draft: Draft) -> Response[Any]:
    task = get_task(engine, int(draft.task_id or 0))
    if task is None or task.status == "deleted":
        raise NotFoundException(f"no task with id {draft.task_id}")
    t = translator_of(request)
    changes = changed_fields(draft, task)
    if changes:
        try:
            update_task(engine, int(task.id or 0), changes)
        except TaskError as e:
            return _review(request, engine, settings, draft, say_error(t, e, prefix="task."), 400)
    drafts.drop(draft.wid)
    flash(request, t("launch.saved_changes", n=len(changes)))
    return Redirect(path=f"/operator/tasks/{task.id}")


def _script_defaults(engine: Engine, draft: Draft) -> list[str]:
    """Fill an empty task name and business from the script (its name, its business); returns
    the fields filled."""
    doc = _document(engine, draft)
    filled = []
    if doc and not draft.name:
        draft.name = str(doc.get("name") or draft.script_id)[:100]
        filled.append("name")
    if doc and not draft.business:
        draft.business = str(doc.get("business") or draft.script_id)[:120]
        filled.append("business")
    return filled


def _approved_version(engine: Engine, script_id: str) -> int | None:
    with Session(engine) as s:
        for r in store.list_scripts(s):
            if r.id == script_id:
                return r.approved
    return None


class TaskProgressController(Controller):
    """The task page's live figures: polled every 2 s while the task runs (the fragment stops
    asking once the task is no longer running)."""

    path = "/operator/tasks"
    guards = [require_permission]  # noqa: RUF012
    opt = VIEW  # noqa: RUF012
    include_in_schema = False

    @get("/{task_id:int}/progress", sync_to_thread=True)
    def progress_fragment(self, request: Request[Any, Any, Any], engine: EngineDep, task_id: FromPath[int]) -> Template:
        return op_page(request, "operator/_task_progress.html", row=task_row(engine, task_or_404(engine, task_id)))
