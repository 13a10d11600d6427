"""``/api/v1/tasks``: create, list, read, add numbers, change status.

Every handler touches the database (adding numbers also screens them), so each runs in a worker
thread: on the event loop, screening 10,000 numbers held every other request, ``/healthz``
included, until it was done.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.dto import DTOData
from litestar.params import FromQuery, PathParameter
from sqlalchemy.engine import Engine

from huashu.core.errors import Conflict, NotFound, UserError
from runtime.campaigns.mapping import CustomerRow
from runtime.campaigns.models import CallTask
from runtime.campaigns.progress import Progress, progress
from runtime.campaigns.tasks import (
    TaskError,
    TaskNotFound,
    TaskStateError,
    create_task,
    get_task,
    list_tasks,
    set_status,
    spec_values,
)
from web.api.schemas import (
    NumbersIn,
    NumbersInDTO,
    NumbersOut,
    NumberVerdict,
    ProgressOut,
    RunOut,
    StatusIn,
    StatusOut,
    TaskOut,
    TaskRequest,
    TaskRequestDTO,
)
from web.deps import EngineDep, SettingsDep

__all__ = ["TasksController", "MAX_NUMBERS", "MAX_ID", "Id", "task_error"]

MAX_NUMBERS = 10_000
MAX_ID = 2**53  # ids fit every database's integer and every JSON client's number
Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]


def _progress_out(p: Progress) -> ProgressOut:
    d = p.to_dict()
    return ProgressOut(**(d | {"runs": [RunOut(**r) for r in d["runs"]]}))


def task_out(engine: Engine, t: CallTask) -> TaskOut:
    assert t.id is not None
    return TaskOut(**spec_values(t), id=t.id, status=t.status, created_at=t.created_at, updated_at=t.updated_at,
                   progress=_progress_out(progress(engine, t.id)))


def task_error(e: TaskError) -> UserError:
    """The task service's error as the API's: 404 for a missing task, 409 for a status that does
    not allow the change, 400 otherwise (the core names the audience; the API names its field)."""
    if isinstance(e, TaskNotFound):
        return NotFound(str(e))
    if isinstance(e, TaskStateError):
        return Conflict(str(e))
    message = str(e)
    if message.startswith("audience:"):
        message = "audience_id:" + message.removeprefix("audience:")
    return UserError(message)


def _check_number_source(data: TaskRequest) -> None:
    """A task reads a data source or a saved audience, never both: refuse the mix here, naming
    the fields, rather than keep one and silently ignore the other."""
    if data.audience_id is None:
        return
    if data.audience_id < 1:
        raise UserError(f"audience_id: must be a positive id, got {data.audience_id}")
    if data.source_id is not None:
        raise UserError("audience_id: a task takes its numbers from a data source (source_id) or a saved "
                        "audience (audience_id), not both")
    for name in ("query", "query_params"):
        if getattr(data, name):
            raise UserError(f"{name}: applies to a data source only; a task with audience_id reads the "
                            "audience's members")


def _verdicts(rows: list[dict[str, Any]], *, prefix_line: bool) -> list[NumberVerdict]:
    return [NumberVerdict(index=r["line"], reason=r["reason"],
                          message=f"row {r['line']}: {r['message']}" if prefix_line else r["message"]) for r in rows]


class TasksController(Controller):
    """Reads need ``tasks:read``; creating, adding numbers and changing status ``tasks:write``.
    Ids in paths are typed ``str`` in the route so that ``/tasks/abc`` is a 400 "task id must
    be a number" rather than a 404 from routing."""

    path = "/tasks"
    tags = ["tasks"]
    opt = {"scope": "tasks:read"}

    @post("/", opt={"scope": "tasks:write"}, status_code=201, dto=TaskRequestDTO, return_dto=None, sync_to_thread=True)
    def create(self, engine: EngineDep, data: TaskRequest) -> TaskOut:
        """Create a task in draft (start it with ``POST /tasks/{id}/status``). Numbers come from
        ``source_id`` (+ ``query``), from the saved audience ``audience_id``, or are added later
        with ``POST /tasks/{id}/numbers``; ``best_time`` defers each number to its best half hour."""
        _check_number_source(data)
        try:
            t = create_task(engine, data)
        except TaskError as e:
            raise task_error(e) from e
        return task_out(engine, t)

    @get("/", sync_to_thread=True)
    def tasks(self, engine: EngineDep, name: FromQuery[str | None] = None, script: FromQuery[str | None] = None) -> list[TaskOut]:
        """Tasks, newest first, with their progress; ``name`` and ``script`` filter by "contains"."""
        return [task_out(engine, t) for t in list_tasks(engine, False, name, script)]

    @get("/{task_id:str}", sync_to_thread=True)
    def read(self, engine: EngineDep, task_id: Id) -> TaskOut:
        t = get_task(engine, task_id)
        if t is None:
            raise NotFound(f"no task with id {task_id}")
        return task_out(engine, t)

    @post("/{task_id:str}/numbers", opt={"scope": "tasks:write"}, status_code=200, dto=NumbersInDTO, return_dto=None,
          sync_to_thread=True)
    def add_numbers(self, engine: EngineDep, settings: SettingsDep, task_id: Id, data: DTOData[NumbersIn]) -> NumbersOut:
        """Screen numbers into the task's queue now; every number gets a verdict (see the reasons)."""
        from runtime.campaigns.loading import add_numbers
        from runtime.campaigns.queue import dropped_rows, flagged_rows

        got = data.create_instance()  # decoded here, in the worker thread (ThreadDecoded)
        if not got.numbers:
            raise UserError("numbers: give at least one")
        if len(got.numbers) > MAX_NUMBERS:
            raise UserError(f"numbers: at most {MAX_NUMBERS} per request, got {len(got.numbers)}")
        if get_task(engine, task_id) is None:
            raise NotFound(f"no task with id {task_id}")
        rows = [CustomerRow(i, n.phone, n.secondary_phone, n.customer_id, n.name, n.variables)
                for i, n in enumerate(got.numbers, start=1)]
        # a completed or deleted task refuses them: Conflict, answered 409 by web.api.errors
        run_id, stats = add_numbers(engine, task_id, rows, settings.phone_region)
        with engine.connect() as c:
            drops = _verdicts(dropped_rows(c, run_id), prefix_line=False)
            # kept on the primary number, with the secondary ignored: said per number like a drop
            flagged = _verdicts(flagged_rows(c, run_id), prefix_line=True)
        return NumbersOut(run_id=run_id, total=stats.total, queued=stats.queued, dropped=stats.dropped,
                          dropped_numbers=drops, flagged=len(flagged), flagged_numbers=flagged)

    @post("/{task_id:str}/status", opt={"scope": "tasks:write"}, status_code=200, sync_to_thread=True)
    def status(self, engine: EngineDep, task_id: Id, data: StatusIn) -> StatusOut:
        """start / pause / stop / delete; starting needs an approved script version."""
        from runtime.campaigns.scripts import store_resolver

        try:
            t = set_status(engine, task_id, data.action, store_resolver(engine))
        except TaskError as e:
            raise task_error(e) from e
        assert t.id is not None
        return StatusOut(id=t.id, status=t.status)
