"""``/api/v1`` for reach: caller-id pools (numbers, health, pick), a task's priority and pool, SMS rules
and messages. Thin over the runtime services the CLI uses (:mod:`runtime.campaigns.callerid.store`,
:mod:`runtime.campaigns.sms.store`); every error is a 400/404 with the service's message. Every
handler reads or writes the database: each runs in a worker thread."""

from __future__ import annotations

from typing import Any

from litestar import Controller, delete, get, patch, post
from litestar.dto import DTOData
from litestar.params import FromQuery

from huashu.core.errors import NotFound, UserError
from web.api.schemas import (
    PickOut,
    PoolImportOut,
    PoolNumberOut,
    PoolNumbersIn,
    PoolNumbersInDTO,
    PoolOut,
    ReachIn,
    ReachOut,
    RegionOut,
    SmsLengthOut,
    SmsMessageOut,
    SmsMessagesOut,
    SmsRuleIn,
    SmsRuleOut,
    row,
)
from web.api.tasks import Id
from web.deps import EngineDep

__all__ = ["CallerIdController", "TaskReachController", "MAX_POOL_NUMBERS"]

MAX_POOL_NUMBERS = 20_000


def _rule_out(r: dict[str, Any]) -> SmsRuleOut:
    return row(SmsRuleOut, r, length=SmsLengthOut(**r["length"]))


class CallerIdController(Controller):
    path = "/callerid/pools"
    tags = ["caller ids"]
    opt = {"scope": "tasks:read"}

    @get("/", sync_to_thread=True)
    def pools(self, engine: EngineDep) -> list[PoolOut]:
        """Caller-id pools with their number counts."""
        from runtime.campaigns.callerid.store import list_pools

        return [row(PoolOut, p) for p in list_pools(engine)]

    @post("/{pool:str}/numbers", opt={"scope": "tasks:write"}, status_code=200, dto=PoolNumbersInDTO, return_dto=None,
          sync_to_thread=True)
    def import_numbers(self, engine: EngineDep, pool: str, data: DTOData[PoolNumbersIn]) -> PoolImportOut:
        """Add numbers to a pool (created if new); a number already there gets its cap updated."""
        from runtime.campaigns.callerid.store import PoolError, import_numbers

        got = data.create_instance()  # decoded here, in the worker thread (ThreadDecoded)
        if len(got.numbers) > MAX_POOL_NUMBERS:
            raise UserError(f"numbers: at most {MAX_POOL_NUMBERS} a request")
        rows = [(i + 1, n.number, None if n.cap is None else str(n.cap)) for i, n in enumerate(got.numbers)]
        try:
            rep = import_numbers(engine, pool, rows, default_cap=got.default_cap)
        except PoolError as e:
            raise UserError(str(e)) from e
        return PoolImportOut(pool=rep.pool, added=rep.added, updated=rep.updated,
                             errors=[f"numbers[{e.row_no}]: {e.message}" for e in rep.errors])

    @get("/{pool:str}/numbers", sync_to_thread=True)
    def numbers(self, engine: EngineDep, pool: str) -> list[PoolNumberOut]:
        """Each number with today's health (attempts, answer and early hang-up rates) and rest flag."""
        from runtime.campaigns.callerid.store import PoolError, pool_numbers

        try:
            return [row(PoolNumberOut, r) for r in pool_numbers(engine, pool)]
        except PoolError as e:
            raise NotFound(str(e)) from e

    @get("/{pool:str}/pick", sync_to_thread=True)
    def pick(self, engine: EngineDep, pool: str, number: FromQuery[str]) -> PickOut:
        """Which caller id a call to ``number`` would show now, and why (counts nothing)."""
        from runtime.campaigns.callerid.store import PoolError, explain_pick

        try:
            p = explain_pick(engine, pool, number[:40])
        except PoolError as e:
            raise UserError(str(e)) from e
        return PickOut(caller_id=p.caller_id, rule=p.rule, callee_region=RegionOut(**p.callee.as_dict()),
                       caller_region=RegionOut(**p.caller.as_dict()) if p.caller is not None else None,
                       skipped_capped=list(p.skipped_capped), skipped_rested=list(p.skipped_rested))


class TaskReachController(Controller):
    """A task's reach settings and SMS follow-ups (``/tasks/{id}/...``, beside the tasks area)."""

    path = "/tasks/{task_id:int}"
    opt = {"scope": "tasks:read"}

    @patch("/reach", opt={"scope": "tasks:write"}, tags=["tasks"], sync_to_thread=True)
    def reach(self, engine: EngineDep, task_id: Id, data: ReachIn) -> ReachOut:
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
            raise UserError("give priority, caller_pool or clear_caller_pool")
        try:
            t = update_task(engine, task_id, changes)
        except TaskNotFound as e:
            raise NotFound(str(e)) from e
        except TaskError as e:
            raise UserError(str(e)) from e
        assert t.id is not None
        return ReachOut(id=t.id, priority=t.priority, caller_pool=t.caller_pool)

    @get("/sms/rules", tags=["sms"], sync_to_thread=True)
    def sms_rules(self, engine: EngineDep, task_id: Id) -> list[SmsRuleOut]:
        from runtime.campaigns.sms.store import list_rules

        return [_rule_out(r) for r in list_rules(engine, task_id)]

    @post("/sms/rules", opt={"scope": "tasks:write"}, tags=["sms"], status_code=201, sync_to_thread=True)
    def sms_add_rule(self, engine: EngineDep, task_id: Id, data: SmsRuleIn) -> SmsRuleOut:
        """A follow-up rule: when a call matches every condition given, its template is sent once."""
        from runtime.campaigns.sms.store import RuleError, RuleIn, add_rule

        try:
            return _rule_out(add_rule(engine, task_id, RuleIn(data.name, data.template, data.intent, data.outcome,
                                                              data.attempts)))
        except RuleError as e:
            raise (NotFound(str(e)) if str(e).startswith("no task") else UserError(str(e))) from e

    @delete("/sms/rules/{rule_id:int}", opt={"scope": "tasks:write"}, tags=["sms"], status_code=204, sync_to_thread=True)
    def sms_remove_rule(self, engine: EngineDep, task_id: Id, rule_id: Id) -> None:
        from runtime.campaigns.sms.store import remove_rule

        if not remove_rule(engine, task_id, rule_id):
            raise NotFound(f"task {task_id} has no rule {rule_id}")

    @get("/sms/messages", tags=["sms"], sync_to_thread=True)
    def sms_messages(self, engine: EngineDep, task_id: Id, attempt: FromQuery[int | None] = None) -> SmsMessagesOut:
        """The task's messages, newest first, and counts by status."""
        from runtime.campaigns.sms.store import messages, summary

        return SmsMessagesOut(summary=summary(engine, task_id),
                              messages=[row(SmsMessageOut, m) for m in messages(engine, task_id=task_id, attempt_id=attempt)])
