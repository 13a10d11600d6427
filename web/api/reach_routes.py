"""``/api/v1`` for reach: caller-id pools (numbers, health, pick), a task's priority and pool, SMS rules
and messages. Thin over the runtime services the CLI uses (:mod:`runtime.campaigns.callerid.store`,
:mod:`runtime.campaigns.sms.store`); every error is a 400/404 with the service's message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from litestar import Request, delete, get, patch, post
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromQuery, JSONBody, PathParameter
from sqlalchemy.engine import Engine

__all__ = ["reach_routes"]

Id = Annotated[int, PathParameter(ge=1, le=2**53)]
MAX_POOL_NUMBERS = 20_000


def _engine(request: Request[Any, Any, Any]) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}


@dataclass
class PoolNumberIn:
    number: str
    cap: int | None = None


@dataclass
class PoolNumbersIn:
    numbers: list[PoolNumberIn]
    default_cap: int | None = None


@get("/callerid/pools", opt={"scope": "tasks:read"}, tags=["caller ids"], sync_to_thread=True)
def pools_route(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    """Caller-id pools with their number counts."""
    from runtime.campaigns.callerid.store import list_pools

    return [_jsonable(p) for p in list_pools(_engine(request))]


@post("/callerid/pools/{pool:str}/numbers", opt={"scope": "tasks:write"}, tags=["caller ids"], status_code=200,
      sync_to_thread=True)
def pool_import_route(request: Request[Any, Any, Any], pool: str, data: JSONBody[PoolNumbersIn]) -> dict[str, Any]:
    """Add numbers to a pool (created if new); a number already there gets its cap updated."""
    from runtime.campaigns.callerid.store import PoolError, import_numbers

    if len(data.numbers) > MAX_POOL_NUMBERS:
        raise HTTPException(f"numbers: at most {MAX_POOL_NUMBERS} a request", status_code=400)
    rows = [(i + 1, n.number, None if n.cap is None else str(n.cap)) for i, n in enumerate(data.numbers)]
    try:
        rep = import_numbers(_engine(request), pool, rows, default_cap=data.default_cap)
    except PoolError as e:
        raise HTTPException(str(e), status_code=400) from e
    return {"pool": rep.pool, "added": rep.added, "updated": rep.updated,
            "errors": [e.replace("line ", "numbers[", 1).replace(":", "]:", 1) for e in rep.errors]}


@get("/callerid/pools/{pool:str}/numbers", opt={"scope": "tasks:read"}, tags=["caller ids"], sync_to_thread=True)
def pool_numbers_route(request: Request[Any, Any, Any], pool: str) -> list[dict[str, Any]]:
    """Each number with today's health (attempts, answer and early hang-up rates) and rest flag."""
    from runtime.campaigns.callerid.store import PoolError, pool_numbers

    try:
        return [_jsonable(r) for r in pool_numbers(_engine(request), pool)]
    except PoolError as e:
        raise NotFoundException(str(e)) from e


@get("/callerid/pools/{pool:str}/pick", opt={"scope": "tasks:read"}, tags=["caller ids"], sync_to_thread=True)
def pool_pick_route(request: Request[Any, Any, Any], pool: str, number: FromQuery[str]) -> dict[str, Any]:
    """Which caller id a call to ``number`` would show now, and why (counts nothing)."""
    from runtime.campaigns.callerid.store import PoolError, explain_pick

    try:
        return explain_pick(_engine(request), pool, number[:40]).as_dict()
    except PoolError as e:
        raise HTTPException(str(e), status_code=400) from e


@dataclass
class ReachIn:
    priority: int | None = None
    caller_pool: str | None = None
    clear_caller_pool: bool = False


@patch("/tasks/{task_id:int}/reach", opt={"scope": "tasks:write"}, tags=["tasks"], sync_to_thread=True)
def task_reach_route(request: Request[Any, Any, Any], task_id: Id, data: JSONBody[ReachIn]) -> dict[str, Any]:
    """Change a task's priority (applies within a dialer round) or caller-id pool, running or not."""
    from runtime.campaigns.tasks import TaskError, TaskNotFound, update_task

    changes: dict[str, Any] = {}
    if data.priority is not None:
        changes["priority"] = data.priority
    if data.clear_caller_pool:
        changes["caller_pool"] = None
    elif data.caller_pool is not None:
        changes["caller_pool"] = data.caller_pool
    if not changes:
        raise HTTPException("give priority, caller_pool or clear_caller_pool", status_code=400)
    try:
        t = update_task(_engine(request), task_id, changes)
    except TaskNotFound as e:
        raise NotFoundException(str(e)) from e
    except TaskError as e:
        raise HTTPException(str(e), status_code=400) from e
    return {"id": t.id, "priority": t.priority, "caller_pool": t.caller_pool}


@dataclass
class SmsRuleIn:
    name: str
    template: str
    intent: str | None = None
    outcome: str | None = None
    attempts: int | None = None


@get("/tasks/{task_id:int}/sms/rules", opt={"scope": "tasks:read"}, tags=["sms"], sync_to_thread=True)
def sms_rules_route(request: Request[Any, Any, Any], task_id: Id) -> list[dict[str, Any]]:
    from runtime.campaigns.sms.store import list_rules

    return [_jsonable(r) for r in list_rules(_engine(request), task_id)]


@post("/tasks/{task_id:int}/sms/rules", opt={"scope": "tasks:write"}, tags=["sms"], status_code=201, sync_to_thread=True)
def sms_add_rule_route(request: Request[Any, Any, Any], task_id: Id, data: JSONBody[SmsRuleIn]) -> dict[str, Any]:
    """A follow-up rule: when a call matches every condition given, its template is sent once."""
    from runtime.campaigns.sms.store import RuleError, RuleIn, add_rule

    try:
        return _jsonable(add_rule(_engine(request), task_id,
                                  RuleIn(data.name, data.template, data.intent, data.outcome, data.attempts)))
    except RuleError as e:
        raise (NotFoundException(str(e)) if str(e).startswith("no task") else HTTPException(str(e), status_code=400)) from e


@delete("/tasks/{task_id:int}/sms/rules/{rule_id:int}", opt={"scope": "tasks:write"}, tags=["sms"], status_code=204,
        sync_to_thread=True)
def sms_remove_rule_route(request: Request[Any, Any, Any], task_id: Id, rule_id: Id) -> None:
    from runtime.campaigns.sms.store import remove_rule

    if not remove_rule(_engine(request), task_id, rule_id):
        raise NotFoundException(f"task {task_id} has no rule {rule_id}")


@get("/tasks/{task_id:int}/sms/messages", opt={"scope": "tasks:read"}, tags=["sms"], sync_to_thread=True)
def sms_messages_route(request: Request[Any, Any, Any], task_id: Id, attempt: FromQuery[int | None] = None) -> dict[str, Any]:
    """The task's messages, newest first, and counts by status."""
    from runtime.campaigns.sms.store import messages, summary

    engine = _engine(request)
    return {"summary": summary(engine, task_id),
            "messages": [_jsonable(m) for m in messages(engine, task_id=task_id, attempt_id=attempt)]}


def reach_routes() -> list[Any]:
    return [pools_route, pool_import_route, pool_numbers_route, pool_pick_route, task_reach_route, sms_rules_route,
            sms_add_rule_route, sms_remove_rule_route, sms_messages_route]
