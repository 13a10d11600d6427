"""Operator pages for reach: caller-id pools (import, health, rested numbers flagged, un-rest), a
task's priority / pool / SMS rules (a fragment the task page loads), and a call's SMS messages.

Thin over :mod:`runtime.campaigns.callerid.store`, :mod:`runtime.campaigns.sms.store` and
:func:`runtime.campaigns.tasks.update_task` — the same services the CLI and the API call.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler

from runtime.campaigns.callerid import store as callers
from runtime.campaigns.callerid.report import answer_by_rule
from runtime.campaigns.sms import store as sms
from runtime.campaigns.sms.segments import MAX_SEGMENTS
from runtime.campaigns.tasks import TaskError, get_task, update_task
from web.auth.guards import require_permission
from web.operator._render import RUN, engine_of, op_page, translator_of
from web.pages._common import Form
from web.render import flash

__all__ = ["reach_routes"]

Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
_MAX_UPLOAD = 64 * callers.MAX_ROWS


def _region(request: Request[Any, Any, Any]) -> str:
    return str(request.app.state.settings.phone_region)


@get("/operator/callerids", guards=[require_permission], opt=RUN, sync_to_thread=True)
def pools_page(request: Request[Any, Any, Any]) -> Template:
    return op_page(request, "operator/callerids.html", pools=callers.list_pools(engine_of(request)))


@post("/operator/callerids/import", guards=[require_permission], opt=RUN, sync_to_thread=True)
def pool_import(request: Request[Any, Any, Any], data: Multipart) -> Response[Any]:
    t = translator_of(request)
    pool = str(data.get("pool") or "").strip()
    upload = data.get("file")
    errors: list[str] = []
    if not isinstance(upload, UploadFile):
        errors = ["no file was uploaded (field 'file')"]
        rep = None
    else:
        try:
            rep = callers.import_csv_bytes(engine_of(request), pool, upload.file.read(_MAX_UPLOAD + 1),
                                           upload.filename or "upload.csv", _region(request))
            errors = rep.errors
        except callers.PoolError as e:
            rep, errors = None, [str(e)]
    if rep is not None:
        flash(request, t("op.cid.imported", pool=rep.pool, added=rep.added, updated=rep.updated, bad=len(errors)))
    else:
        flash(request, errors[0], "error")
    return op_page(request, "operator/callerids.html", pools=callers.list_pools(engine_of(request)),
                   import_errors=errors, status_code=200 if rep is not None else 400)


@get("/operator/callerids/{pool:str}", guards=[require_permission], opt=RUN, sync_to_thread=True)
def pool_page(request: Request[Any, Any, Any], pool: str) -> Template:
    try:
        numbers = callers.pool_numbers(engine_of(request), pool)
    except callers.PoolError as e:
        raise NotFoundException(str(e)) from e
    return op_page(request, "operator/callerid_pool.html", pool=pool, numbers=numbers,
                   rested=sum(1 for n in numbers if n["rested"]))


@post("/operator/callerids/{pool:str}/unrest", guards=[require_permission], opt=RUN, sync_to_thread=True)
def pool_unrest(request: Request[Any, Any, Any], pool: str, data: Form) -> Redirect:
    number = (data.get("number") or "").strip()[:40]
    try:
        ok = callers.unrest(engine_of(request), pool, number)
    except callers.PoolError as e:
        flash(request, str(e), "error")
    else:
        flash(request, translator_of(request)("op.cid.unrested" if ok else "op.cid.not_in_pool", number=number),
              "ok" if ok else "error")
    return Redirect(path=f"/operator/callerids/{pool}")


def _task_or_404(request: Request[Any, Any, Any], task_id: int) -> Any:
    task = get_task(engine_of(request), task_id)
    if task is None:
        raise NotFoundException(f"no task with id {task_id}")
    return task


@get("/operator/tasks/{task_id:int}/reach", guards=[require_permission], opt=RUN, sync_to_thread=True)
def task_reach_fragment(request: Request[Any, Any, Any], task_id: int) -> Template:
    """Priority, caller-id pool, answer rate by caller-id locality, SMS rules and messages of a task."""
    engine = engine_of(request)
    task = _task_or_404(request, task_id)
    return op_page(request, "operator/_task_reach.html", task=task, pools=callers.list_pools(engine),
                   by_rule=answer_by_rule(engine, task_id), rules=sms.list_rules(engine, task_id),
                   sms_summary=sms.summary(engine, task_id), sms_messages=sms.messages(engine, task_id=task_id, limit=20),
                   max_segments=MAX_SEGMENTS, max_template=sms.MAX_TEMPLATE)


def _int_or_none(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 6:
        raise TaskError(f"{raw[:20]!r} is not a whole number")
    return int(raw)


@post("/operator/tasks/{task_id:int}/reach", guards=[require_permission], opt=RUN, sync_to_thread=True)
def task_reach_update(request: Request[Any, Any, Any], task_id: int, data: Form) -> Redirect:
    _task_or_404(request, task_id)
    try:
        priority = _int_or_none(data.get("priority"))
        changes: dict[str, Any] = {"caller_pool": (data.get("caller_pool") or "").strip() or None}
        if priority is not None:
            changes["priority"] = priority
        update_task(engine_of(request), task_id, changes)
    except TaskError as e:
        flash(request, str(e), "error")
    else:
        flash(request, translator_of(request)("op.reach.saved"))
    return Redirect(path=f"/operator/tasks/{task_id}")


@post("/operator/tasks/{task_id:int}/sms/rules", guards=[require_permission], opt=RUN, sync_to_thread=True)
def sms_rule_add(request: Request[Any, Any, Any], task_id: int, data: Form) -> Redirect:
    try:
        sms.add_rule(engine_of(request), task_id, sms.RuleIn(
            (data.get("name") or "")[:100], (data.get("template") or "")[: sms.MAX_TEMPLATE + 1],
            data.get("intent"), data.get("outcome"), _int_or_none(data.get("attempts"))))
    except (sms.RuleError, TaskError) as e:
        flash(request, str(e), "error")
    else:
        flash(request, translator_of(request)("op.sms.rule_added"))
    return Redirect(path=f"/operator/tasks/{task_id}")


@post("/operator/tasks/{task_id:int}/sms/rules/{rule_id:int}/delete", guards=[require_permission], opt=RUN,
      sync_to_thread=True)
def sms_rule_delete(request: Request[Any, Any, Any], task_id: int, rule_id: int) -> Redirect:
    ok = sms.remove_rule(engine_of(request), task_id, rule_id)
    flash(request, translator_of(request)("op.sms.rule_removed" if ok else "op.sms.no_rule"), "ok" if ok else "error")
    return Redirect(path=f"/operator/tasks/{task_id}")


@get("/operator/calls/{attempt_id:int}/sms", guards=[require_permission], opt=RUN, sync_to_thread=True)
def call_sms_fragment(request: Request[Any, Any, Any], attempt_id: int) -> Template:
    return op_page(request, "operator/_call_sms.html", sms_messages=sms.messages(engine_of(request), attempt_id=attempt_id))


def reach_routes() -> list[ControllerRouterHandler]:
    return [pools_page, pool_import, pool_page, pool_unrest, task_reach_fragment, task_reach_update, sms_rule_add,
            sms_rule_delete, call_sms_fragment]
