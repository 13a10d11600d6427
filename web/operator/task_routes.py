"""Task list, task detail and the start / pause / stop / delete actions.

Status changes go through ``runtime.campaigns.tasks.set_status`` with the store resolver, so
"only an approved version can start" and "stop/delete close the open jobs with a reason" hold
here exactly as on the command line. Delete is a status: the task and its calls stay.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from runtime.campaigns.models import TASK_STATUSES
from runtime.campaigns.scripts import store_resolver
from runtime.campaigns.tasks import ACTIONS, TaskError, TaskNotFound, set_status
from web.auth.guards import require_permission
from web.deps import EngineDep
from web.i18n.errors import say_error
from web.operator._render import RUN, VIEW, op_page, query_of, translator_of
from web.operator.filters import FilterError
from web.operator.task_views import TaskFilter, parse_task_filter, task_listing, task_or_404, task_row
from web.render import flash, is_htmx

__all__ = ["TasksController", "operator_home"]


@get("/operator", sync_to_thread=False, include_in_schema=False)
def operator_home() -> Redirect:
    return Redirect(path="/operator/tasks")


class TasksController(Controller):
    path = "/operator/tasks"
    guards = [require_permission]
    opt = VIEW

    @get("/", sync_to_thread=True)
    def tasks_page(self, request: Request[Any, Any, Any], engine: EngineDep) -> Template:
        q = query_of(request)
        error = None
        try:
            f = parse_task_filter(q)
        except FilterError as e:
            error, f = say_error(translator_of(request), e, prefix="op.filter."), TaskFilter()
        listing = task_listing(engine, f)
        if error:
            listing.rows = []
        template = "operator/_tasks_table.html" if is_htmx(request) else "operator/tasks.html"
        return op_page(request, template, listing=listing, q=q, error=error, statuses=TASK_STATUSES,
                       status_code=400 if error and not is_htmx(request) else 200)

    @get("/{task_id:int}", sync_to_thread=True)
    def task_page(self, request: Request[Any, Any, Any], engine: EngineDep, task_id: FromPath[int]) -> Template:
        return op_page(request, "operator/task.html", row=task_row(engine, task_or_404(engine, task_id)))

    @get("/{task_id:int}/row", sync_to_thread=True)
    def task_row_fragment(self, request: Request[Any, Any, Any], engine: EngineDep, task_id: FromPath[int]) -> Template:
        """The row alone: a running task's row polls it so its progress moves without a reload."""
        return op_page(request, "operator/_task_row.html", row=task_row(engine, task_or_404(engine, task_id)))

    @post("/{task_id:int}/{action:str}", opt=RUN, sync_to_thread=True)
    def task_action(self, request: Request[Any, Any, Any], engine: EngineDep, task_id: FromPath[int],
                    action: FromPath[str]) -> Response[Any]:
        """htmx gets the task's row back (with the error in it if the change was refused)."""
        if action not in ACTIONS:
            raise NotFoundException(f"unknown task action {action!r} (use {', '.join(ACTIONS)})")
        t = translator_of(request)
        refused: TaskError | None = None
        try:
            task = set_status(engine, task_id, action, store_resolver(engine))
        except TaskNotFound as e:
            raise NotFoundException(str(e)) from e
        except TaskError as e:
            refused = e
            task = task_or_404(engine, task_id)
        error = say_error(t, refused, prefix="task.") if refused is not None else None
        if is_htmx(request):
            return op_page(request, "operator/_task_row.html", row=task_row(engine, task), row_error=error)
        if "application/json" in request.headers.get("accept", ""):  # a script's client: the API's English
            if refused is not None:
                return Response({"error": str(refused), "status": task.status}, status_code=409)
            return Response({"id": task.id, "status": task.status})
        if error:
            flash(request, error, "error")
        else:
            flash(request, t("op.tasks.changed", id=task_id, status=t("op.status." + task.status)))
        detail = f"/operator/tasks/{task_id}"
        back = detail if request.headers.get("referer", "").endswith(detail) else "/operator/tasks"
        return Redirect(path=back)
