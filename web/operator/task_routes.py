"""Task list, task detail and the start / pause / stop / delete actions.

Status changes go through ``runtime.campaigns.tasks.set_status`` with the store resolver, so
"only an approved version can start" and "stop/delete close the open jobs with a reason" hold
here exactly as on the command line. Delete is a status: the task and its calls stay.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler

from runtime.campaigns.models import TASK_STATUSES
from runtime.campaigns.scripts import store_resolver
from runtime.campaigns.tasks import ACTIONS, TaskError, TaskNotFound, get_task, set_status
from web.auth.guards import require_permission
from web.i18n.errors import say_error
from web.operator._render import RUN, VIEW, engine_of, is_htmx, op_page, query_of, translator_of
from web.operator.filters import FilterError
from web.operator.task_views import TaskFilter, parse_task_filter, task_listing, task_row
from web.render import flash

__all__ = ["task_routes"]


@get("/operator", sync_to_thread=False, include_in_schema=False)
def operator_home() -> Redirect:
    return Redirect(path="/operator/tasks")


@get("/operator/tasks", guards=[require_permission], opt=VIEW, sync_to_thread=True)
def tasks_page(request: Request[Any, Any, Any]) -> Template:
    q = query_of(request)
    error = None
    try:
        f = parse_task_filter(q)
    except FilterError as e:
        error, f = say_error(translator_of(request), e, prefix="op.filter."), TaskFilter()
    listing = task_listing(engine_of(request), f)
    if error:
        listing.rows = []
    template = "operator/_tasks_table.html" if is_htmx(request) else "operator/tasks.html"
    return op_page(request, template, listing=listing, q=q, error=error, statuses=TASK_STATUSES,
                   status_code=400 if error and not is_htmx(request) else 200)


@get("/operator/tasks/{task_id:int}", guards=[require_permission], opt=VIEW, sync_to_thread=True)
def task_page(request: Request[Any, Any, Any], task_id: int) -> Template:
    engine = engine_of(request)
    task = get_task(engine, task_id)
    if task is None:
        raise NotFoundException(f"no task with id {task_id}")
    return op_page(request, "operator/task.html", row=task_row(engine, task))


@get("/operator/tasks/{task_id:int}/row", guards=[require_permission], opt=VIEW, sync_to_thread=True)
def task_row_fragment(request: Request[Any, Any, Any], task_id: int) -> Template:
    """The row alone: a running task's row polls it so its progress moves without a reload."""
    engine = engine_of(request)
    task = get_task(engine, task_id)
    if task is None:
        raise NotFoundException(f"no task with id {task_id}")
    return op_page(request, "operator/_task_row.html", row=task_row(engine, task))


@post("/operator/tasks/{task_id:int}/{action:str}", guards=[require_permission], opt=RUN, sync_to_thread=True)
def task_action(request: Request[Any, Any, Any], task_id: int, action: str) -> Response[Any]:
    """htmx gets the task's row back (with the error in it if the change was refused)."""
    engine = engine_of(request)
    if action not in ACTIONS:
        raise NotFoundException(f"unknown task action {action!r} (use {', '.join(ACTIONS)})")
    t = translator_of(request)
    error: str | None = None
    try:
        task = set_status(engine, task_id, action, store_resolver(engine))
    except TaskNotFound as e:
        raise NotFoundException(str(e)) from e
    except TaskError as e:
        error = str(e)
        current = get_task(engine, task_id)
        if current is None:
            raise NotFoundException(f"no task with id {task_id}") from e
        task = current
    if is_htmx(request):
        return op_page(request, "operator/_task_row.html", row=task_row(engine, task), row_error=error)
    if "application/json" in request.headers.get("accept", ""):
        if error:
            return Response({"error": error, "status": task.status}, status_code=409)
        return Response({"id": task.id, "status": task.status})
    if error:
        flash(request, error, "error")
    else:
        flash(request, t("op.tasks.changed", id=task_id, status=t("op.status." + task.status)))
    back = f"/operator/tasks/{task_id}" if request.headers.get("referer", "").endswith(f"/operator/tasks/{task_id}") else "/operator/tasks"
    return Redirect(path=back)


def task_routes() -> list[ControllerRouterHandler]:
    return [operator_home, tasks_page, task_page, task_row_fragment, task_action]
