"""``/api/v1/calls``: call attempts and their results. Scope ``calls:read``; phone numbers, names
and transcripts only with ``personal:read`` as well (masked or withheld without it)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import FromQuery, QueryParameter
from sqlalchemy import func, select

from huashu.core.errors import NotFound
from runtime.campaigns import tables as T
from runtime.privacy.masking import mask_name, mask_phone
from web.api.deps import principal_of
from web.api.schemas import CallDetailOut, CallOut, CallsOut, row
from web.api.tasks import MAX_ID, Id
from web.deps import EngineDep

__all__ = ["CallsController"]


def _personal(request: Request[Any, Any, Any]) -> bool:
    principal = principal_of(request)
    return principal is not None and "personal:read" in principal.scopes


def _visible(mapping: Any, personal: bool) -> dict[str, Any]:
    """The row as the token may see it: without ``personal:read`` the number and name masked
    and the record (the transcript) withheld."""
    d = dict(mapping)
    if personal:
        d["record"] = json.loads(d["record"]) if d.get("record") else None
    else:
        d.update(phone=mask_phone(d.get("phone")), name=mask_name(d.get("name")), record=None)
    return d


class CallsController(Controller):
    path = "/calls"
    tags = ["calls"]
    opt = {"scope": "calls:read"}

    @get("/", sync_to_thread=True)
    def calls(
        self,
        request: Request[Any, Any, Any],
        engine: EngineDep,
        task_id: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
        outcome: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
        offset: Annotated[int, QueryParameter(ge=0, le=MAX_ID)] = 0,
    ) -> CallsOut:
        """Call attempts, newest first, with the customer they were for."""
        a, j = T.attempts, T.jobs
        cols = [a.c.id, a.c.task_id, a.c.job_id, a.c.phone, a.c.leg, a.c.state, a.c.outcome, a.c.cause, a.c.started_at,
                a.c.ended_at, a.c.ring_ms, a.c.talk_ms, a.c.intent, a.c.opt_out, a.c.recording, j.c.customer_id, j.c.name]
        q = select(*cols).join(j, j.c.id == a.c.job_id)
        cq = select(func.count()).select_from(a)
        if task_id is not None:
            q, cq = q.where(a.c.task_id == task_id), cq.where(a.c.task_id == task_id)
        if outcome is not None:
            q, cq = q.where(a.c.outcome == outcome), cq.where(a.c.outcome == outcome)
        with engine.connect() as c:
            total = int(c.execute(cq).scalar_one())
            rows = c.execute(q.order_by(a.c.id.desc()).limit(limit).offset(offset)).all()
        personal = _personal(request)
        return CallsOut(total=total, calls=[row(CallOut, _visible(r._mapping, personal)) for r in rows])

    @get("/{call_id:str}", sync_to_thread=True)
    def read(self, request: Request[Any, Any, Any], engine: EngineDep, call_id: Id) -> CallDetailOut:
        """One attempt with its engine record: the transcript turn by turn, node path and intent."""
        a, j = T.attempts, T.jobs
        with engine.connect() as c:
            r = c.execute(select(a, j.c.customer_id, j.c.name).join(j, j.c.id == a.c.job_id).where(a.c.id == call_id)).first()
        if r is None:
            raise NotFound(f"no call with id {call_id}")
        return row(CallDetailOut, _visible(r._mapping, _personal(request)))
