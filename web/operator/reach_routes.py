"""Operator pages for reach: caller-id pools (import, health, rested numbers flagged, un-rest), a
task's priority / pool / SMS rules (a fragment the task page loads), and a call's SMS messages.

Thin over :mod:`runtime.campaigns.callerid.store`, :mod:`runtime.campaigns.sms.store` and
:func:`runtime.campaigns.tasks.update_task` — the same services the CLI and the API call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from runtime.campaigns.callerid import store as callers
from runtime.campaigns.callerid.report import answer_by_rule
from runtime.campaigns.sms import store as sms
from runtime.campaigns.sms.segments import MAX_SEGMENTS
from runtime.campaigns.tasks import TaskError, update_task
from runtime.privacy.masking import mask_phone
from web.auth.guards import require_permission
from web.deps import EngineDep
from web.forms import MULTI_PART, URL_ENCODED
from web.i18n.errors import say_error, say_row
from web.operator._render import RUN, op_page, translator_of
from web.operator.privacy import sees_personal
from web.operator.task_views import task_or_404
from web.render import flash

__all__ = ["CallerIdsController", "ReachController", "PoolUpload", "UnrestForm", "ReachForm", "SmsRuleForm"]

_MAX_UPLOAD = 64 * callers.MAX_ROWS


def _masked(request: Request[Any, Any, Any], messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """SMS rows with the number masked for roles without personal.view (as on the calls pages)."""
    if sees_personal(request):
        return messages
    return [{**m, "phone": mask_phone(m.get("phone"))} for m in messages]


@dataclass
class PoolUpload:
    pool: str = ""
    file: UploadFile | None = None


@dataclass
class UnrestForm:
    number: str = ""


@dataclass
class ReachForm:
    priority: str = ""
    caller_pool: str = ""


@dataclass
class SmsRuleForm:
    """A rule: send ``template`` after a call that ended with ``intent`` / ``outcome`` (either may be
    empty), up to ``attempts`` calls."""

    name: str = ""
    template: str = ""
    intent: str | None = None
    outcome: str | None = None
    attempts: str = ""


def _region(request: Request[Any, Any, Any]) -> str:
    return str(request.app.state.settings.phone_region)


def _int_or_none(raw: str | None, field: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 6:
        raise TaskError(f"{raw[:20]!r} is not a whole number", key="not_whole",
                        params={"field": field, "value": repr(raw[:20])})
    return int(raw)


class CallerIdsController(Controller):
    path = "/operator/callerids"
    guards = [require_permission]
    opt = RUN

    @get("/", sync_to_thread=True)
    def pools_page(self, request: Request[Any, Any, Any], engine: EngineDep) -> Template:
        return op_page(request, "operator/callerids.html", pools=callers.list_pools(engine))

    @post("/import", sync_to_thread=True)
    def pool_import(self, request: Request[Any, Any, Any], engine: EngineDep,
                    data: Annotated[PoolUpload, MULTI_PART]) -> Response[Any]:
        t = translator_of(request)
        pool = data.pool.strip()
        upload = data.file
        errors: list[str] = []
        if not isinstance(upload, UploadFile):
            errors = [t("op.bl.err.no_file")]
            rep = None
        else:
            try:
                rep = callers.import_csv_bytes(engine, pool, upload.file.read(_MAX_UPLOAD + 1),
                                               upload.filename or "upload.csv", _region(request))
                errors = [say_row(t, e) for e in rep.errors]
            except callers.PoolError as e:
                rep, errors = None, [say_error(t, e, prefix="task.")]
        if rep is not None:
            flash(request, t("op.cid.imported", pool=rep.pool, added=rep.added, updated=rep.updated, bad=len(errors)))
        else:
            flash(request, errors[0], "error")
        return op_page(request, "operator/callerids.html", pools=callers.list_pools(engine),
                       import_errors=errors, status_code=200 if rep is not None else 400)

    @get("/{pool:str}", sync_to_thread=True)
    def pool_page(self, request: Request[Any, Any, Any], engine: EngineDep, pool: FromPath[str]) -> Template:
        try:
            numbers = callers.pool_numbers(engine, pool)
        except callers.PoolError as e:
            raise NotFoundException(str(e)) from e
        return op_page(request, "operator/callerid_pool.html", pool=pool, numbers=numbers,
                       rested=sum(1 for n in numbers if n["rested"]))

    @post("/{pool:str}/unrest", sync_to_thread=True)
    def pool_unrest(self, request: Request[Any, Any, Any], engine: EngineDep, pool: FromPath[str],
                    data: Annotated[UnrestForm, URL_ENCODED]) -> Redirect:
        number = data.number.strip()[:40]
        try:
            ok = callers.unrest(engine, pool, number)
        except callers.PoolError as e:
            flash(request, say_error(translator_of(request), e, prefix="task."), "error")
        else:
            flash(request, translator_of(request)("op.cid.unrested" if ok else "op.cid.not_in_pool", number=number),
                  "ok" if ok else "error")
        return Redirect(path=f"/operator/callerids/{pool}")


class ReachController(Controller):
    """A task's reach settings and SMS rules, and a call's SMS messages."""

    path = "/operator"
    guards = [require_permission]
    opt = RUN

    @get("/tasks/{task_id:int}/reach", sync_to_thread=True)
    def task_reach_fragment(self, request: Request[Any, Any, Any], engine: EngineDep, task_id: FromPath[int]) -> Template:
        """Priority, caller-id pool, answer rate by caller-id locality, SMS rules and messages of a task."""
        task = task_or_404(engine, task_id)
        return op_page(request, "operator/_task_reach.html", task=task, pools=callers.list_pools(engine),
                       by_rule=answer_by_rule(engine, task_id), rules=sms.list_rules(engine, task_id),
                       sms_summary=sms.summary(engine, task_id),
                       sms_messages=_masked(request, sms.messages(engine, task_id=task_id, limit=20)),
                       max_segments=MAX_SEGMENTS, max_template=sms.MAX_TEMPLATE)

    @post("/tasks/{task_id:int}/reach", sync_to_thread=True)
    def task_reach_update(self, request: Request[Any, Any, Any], engine: EngineDep, task_id: FromPath[int],
                          data: Annotated[ReachForm, URL_ENCODED]) -> Redirect:
        task_or_404(engine, task_id)
        try:
            priority = _int_or_none(data.priority, "priority")
            changes: dict[str, Any] = {"caller_pool": data.caller_pool.strip() or None}
            if priority is not None:
                changes["priority"] = priority
            update_task(engine, task_id, changes)
        except TaskError as e:
            flash(request, say_error(translator_of(request), e, prefix="task."), "error")
        else:
            flash(request, translator_of(request)("op.reach.saved"))
        return Redirect(path=f"/operator/tasks/{task_id}")

    @post("/tasks/{task_id:int}/sms/rules", sync_to_thread=True)
    def sms_rule_add(self, request: Request[Any, Any, Any], engine: EngineDep, task_id: FromPath[int],
                     data: Annotated[SmsRuleForm, URL_ENCODED]) -> Redirect:
        try:
            sms.add_rule(engine, task_id, sms.RuleIn(
                data.name[:100], data.template[: sms.MAX_TEMPLATE + 1], data.intent, data.outcome,
                _int_or_none(data.attempts, "attempts")))
        except (sms.RuleError, TaskError) as e:
            prefix = "op.sms.err." if isinstance(e, sms.RuleError) else "task."
            flash(request, say_error(translator_of(request), e, prefix=prefix), "error")
        else:
            flash(request, translator_of(request)("op.sms.rule_added"))
        return Redirect(path=f"/operator/tasks/{task_id}")

    @post("/tasks/{task_id:int}/sms/rules/{rule_id:int}/delete", sync_to_thread=True)
    def sms_rule_delete(self, request: Request[Any, Any, Any], engine: EngineDep, task_id: FromPath[int],
                        rule_id: FromPath[int]) -> Redirect:
        ok = sms.remove_rule(engine, task_id, rule_id)
        flash(request, translator_of(request)("op.sms.rule_removed" if ok else "op.sms.no_rule"),
              "ok" if ok else "error")
        return Redirect(path=f"/operator/tasks/{task_id}")

    @get("/calls/{attempt_id:int}/sms", sync_to_thread=True)
    def call_sms_fragment(self, request: Request[Any, Any, Any], engine: EngineDep, attempt_id: FromPath[int]) -> Template:
        return op_page(request, "operator/_call_sms.html",
                       sms_messages=_masked(request, sms.messages(engine, attempt_id=attempt_id)))
