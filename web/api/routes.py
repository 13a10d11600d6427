"""``/oauth/token`` and ``/api/v1``: configuration, tasks, numbers, status, calls.

Every ``/api/v1`` handler names the scope it needs (``opt={"scope": ...}``); the guard turns a
missing/unknown/expired bearer token into 401 and a missing scope into 403. Every error has
one JSON shape per surface (``web.api.errors``): ``/api`` answers ``{"error", "status", "detail",
"status_code"[, "extra"]}``, ``/oauth`` answers RFC 6749's ``{"error", "error_description"}``.
Malformed bodies are 400 from Litestar's validation; ids in paths are typed ``str`` in the route
so that ``/tasks/abc`` is a 400 "task id must be a number" rather than a 404 from routing.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

import anyio.to_thread
from litestar import Request, Response, Router, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter, URLEncodedBody
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from runtime.privacy.masking import mask_name, mask_phone
from web.api.errors import error_response, oauth_error
from web.api.oauth import OAuthError, check_token, issue_token
from web.api.privacy_routes import privacy_api_routes
from web.api.reach_routes import reach_routes
from web.auth import throttle
from web.auth.hashing_pool import off_loop
from web.auth.routes import client_address

__all__ = ["router"]

MAX_NUMBERS = 10_000
_MAX_ID = 2**53  # ids fit every database's integer and every JSON client's number
Id = Annotated[int, PathParameter(ge=1, le=_MAX_ID)]


def _engine(conn: ASGIConnection[Any, Any, Any, Any]) -> Engine:
    engine: Engine = conn.app.state.engine
    return engine


def _bearer_guard(conn: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    header = conn.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException("a bearer access token is required (POST /oauth/token)")
    principal = check_token(_engine(conn), token.strip())
    if principal is None:
        raise NotAuthorizedException("the access token is unknown or expired")
    need = handler.opt.get("scope")
    if need and need not in principal.scopes:
        raise PermissionDeniedException(f"the token lacks the scope {need!r}")
    conn.state.principal = principal


# ---- OAuth2 token endpoint -------------------------------------------------------------


@dataclass
class TokenRequest:
    grant_type: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    scope: str | None = None


_FORM = "application/x-www-form-urlencoded"


_OAUTH_ERRORS = {
    400: ResponseSpec(data_container=dict[str, Any], description="RFC 6749 error: invalid_request, unsupported_grant_type, invalid_scope"),
    401: ResponseSpec(data_container=dict[str, Any], description="RFC 6749 error: invalid_client"),
    429: ResponseSpec(data_container=dict[str, Any], description="slow_down: too many attempts for this client or "
                      "address; retry after the Retry-After header's seconds"),
}


def _not_a_token_form(request: Request[Any, Any, Any], data: TokenRequest) -> str | None:
    """Why the request is not an RFC 6749 token request (a JSON body, no body, no grant_type),
    or None. Said plainly: a JSON body parses as an empty form, and "unsupported_grant_type"
    would send the caller looking at the wrong thing."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type == _FORM and data.grant_type:
        return None
    got = "no body" if not media_type else (f"Content-Type {media_type}" if media_type != _FORM else "no grant_type")
    return f"the token request must be {_FORM} with grant_type=client_credentials (got {got})"


@post("/oauth/token", status_code=200, tags=["oauth"], summary="Client credentials -> access token", responses=_OAUTH_ERRORS)
async def token(
    request: Request[Any, Any, Any],
    data: URLEncodedBody[TokenRequest],
) -> Response[Any]:
    """RFC 6749 4.4: ``grant_type=client_credentials`` with the client id and secret in the
    body or in HTTP Basic auth; optional ``scope`` (a subset of the client's)."""
    problem = _not_a_token_form(request, data)
    if problem:
        return oauth_error("invalid_request", problem)
    client_id, secret = data.client_id, data.client_secret
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return oauth_error("invalid_client", "malformed Basic credentials", 401)
    if data.grant_type != "client_credentials":
        return oauth_error("unsupported_grant_type", "only grant_type=client_credentials is supported")
    if not client_id or not secret:
        return oauth_error("invalid_request", "client_id and client_secret are required")
    # counted before argon2 runs, per client and address (web.auth.throttle); argon2 in its own pool
    engine, account, address = _engine(request), ("client", client_id[:100]), client_address(request)
    refused = await anyio.to_thread.run_sync(throttle.begin, engine, account, address, time.time())
    if refused is not None:
        return oauth_error("slow_down", f"too many token requests; retry in {refused.retry_after_s} s", 429,
                           {"Retry-After": str(refused.retry_after_s)})
    try:
        issued = await off_loop(issue_token, engine, client_id, secret, data.scope)
    except OAuthError as e:
        return oauth_error(e.code, e.description, e.status)
    await anyio.to_thread.run_sync(throttle.succeeded, engine, account, address)
    return Response({"access_token": issued.access_token, "token_type": "Bearer", "expires_in": issued.expires_in,
                     "scope": issued.scope}, headers={"Cache-Control": "no-store"})


# ---- configuration ---------------------------------------------------------------------


@get("/scripts", opt={"scope": "config:read"}, tags=["config"])
async def scripts(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    """Scripts with an approved version (only those can run in a task)."""
    from sqlmodel import Session

    from designer import store

    with Session(_engine(request)) as s:
        return [{"id": x.id, "name": x.name, "business": x.business, "approved_version": x.approved,
                 "latest_version": x.latest, "latest_status": x.latest_status}
                for x in store.list_scripts(s) if x.approved is not None]


@get("/voices", opt={"scope": "config:read"}, tags=["config"], sync_to_thread=False)
def voices(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    """The TTS providers this deployment speaks with, in fallback order, with default voices."""
    from runtime.speech.tts import build_tts

    chain = build_tts(request.app.state.settings)
    return [{"provider": p.name, "default_voice": getattr(p, "default_voice", None)} for p in chain.providers]


@get("/lines", opt={"scope": "config:read"}, tags=["config"], sync_to_thread=False)
def lines(request: Request[Any, Any, Any]) -> list[dict[str, Any]]:
    """The telephony line the runtime dials through and its default limits."""
    from runtime.campaigns.dialer import LineLimits

    lim = LineLimits()
    return [{"driver": request.app.state.settings.telephony_driver, "max_concurrent": lim.max_concurrent,
             "calls_per_second": lim.calls_per_second}]


# ---- tasks ---------------------------------------------------------------------------------


@dataclass
class TaskIn:
    name: str
    business: str
    script_id: str
    script_version: int | None = None
    source_id: int | None = None
    query: str | None = None
    query_params: dict[str, Any] = field(default_factory=dict)
    mapping: dict[str, Any] = field(default_factory=lambda: {"phone": "phone"})
    schedule: Literal["once", "cron"] = "once"
    cron: str | None = None
    timezone: str = "Asia/Shanghai"
    windows: str = "09:00-12:00,13:30-20:00"
    redial_count: int = 0
    redial_interval_s: int = 600
    redial_outcomes: str = "no_answer,busy"
    call_secondary: bool = False
    max_concurrent: int = 5
    calls_per_second: float = 1.0
    spread: bool = False
    agent_group: str | None = None
    voice: str | None = None
    caller_id: str | None = None
    #: a caller-id pool's name: each call shows the pool's best-matching number (local first)
    caller_pool: str | None = None
    #: 0..9; tasks sharing the line get its capacity by priority (9 first)
    priority: int = 0
    dedupe_days: int | None = None
    misfire: Literal["fire_once", "skip"] = "fire_once"
    #: numbers from a saved audience (its members at each run) instead of a data source
    audience_id: int | None = None
    #: defer each number to its segment's best half hour within the windows
    best_time: bool = False
    #: classify what answers (docs/answering.md): node = the node's setting, or on/off for this task
    answer_mode: Literal["node", "on", "off"] = "node"
    #: a machine answers: hang up or leave ``answer_message`` (None: the node's)
    answer_on_machine: Literal["hangup", "message"] | None = None
    answer_message: str | None = None
    #: said to a call screener (None: the node's; empty: hang up on screeners)
    answer_screener_text: str | None = None
    #: marketing | service | collection: which legal bases (mapping "consent") the numbers need
    business_type: Literal["marketing", "service", "collection"] | None = None
    #: a region policy (cn, us, eu or a custom one): hours, holidays, attempts, disclosure
    region_policy: str | None = None


def _check_number_source(data: TaskIn) -> None:
    """A task reads a data source or a saved audience, never both: refuse the mix here, naming
    the fields, rather than keep one and silently ignore the other."""
    if data.audience_id is None:
        return
    if data.audience_id < 1:
        raise HTTPException(f"audience_id: must be a positive id, got {data.audience_id}", status_code=400)
    if data.source_id is not None:
        raise HTTPException("audience_id: a task takes its numbers from a data source (source_id) or a saved "
                            "audience (audience_id), not both", status_code=400)
    for name in ("query", "query_params"):
        if getattr(data, name):
            raise HTTPException(f"{name}: applies to a data source only; a task with audience_id reads the "
                                "audience's members", status_code=400)


@dataclass
class NumberIn:
    phone: str
    secondary_phone: str | None = None
    customer_id: str | None = None
    name: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass
class NumbersIn:
    numbers: list[NumberIn]


@dataclass
class StatusIn:
    action: Literal["start", "pause", "stop", "delete"]


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, datetime) else v


def _task_out(engine: Engine, t: Any) -> dict[str, Any]:
    from runtime.campaigns.progress import progress

    d = {k: _iso(v) for k, v in t.model_dump().items()}
    d["query_params"] = json.loads(d["query_params"] or "{}")
    d["mapping"] = json.loads(d["mapping"] or "{}")
    d["progress"] = progress(engine, int(t.id)).to_dict()
    return d


def _task_error(e: Exception) -> HTTPException:
    from runtime.campaigns.tasks import TaskNotFound, TaskStateError

    if isinstance(e, TaskNotFound):
        return NotFoundException(str(e))
    if isinstance(e, TaskStateError):
        return HTTPException(str(e), status_code=409)
    message = str(e)
    if message.startswith("audience:"):  # the core names the concept; the API names its field
        message = "audience_id:" + message.removeprefix("audience:")
    return HTTPException(message, status_code=400)


@post("/tasks", opt={"scope": "tasks:write"}, tags=["tasks"], status_code=201, sync_to_thread=False)
def create_task_route(request: Request[Any, Any, Any], data: JSONBody[TaskIn]) -> dict[str, Any]:
    """Create a task in draft (start it with ``POST /tasks/{id}/status``). Numbers come from
    ``source_id`` (+ ``query``), from the saved audience ``audience_id``, or are added later
    with ``POST /tasks/{id}/numbers``; ``best_time`` defers each number to its best half hour."""
    from runtime.campaigns.tasks import TaskError, TaskSpec, create_task

    _check_number_source(data)
    spec = TaskSpec(**{k: v for k, v in asdict(data).items() if k != "schedule"}, schedule_kind=data.schedule)
    try:
        t = create_task(_engine(request), spec)
    except TaskError as e:
        raise _task_error(e) from e
    return _task_out(_engine(request), t)


@get("/tasks", opt={"scope": "tasks:read"}, tags=["tasks"], sync_to_thread=False)
def list_tasks_route(request: Request[Any, Any, Any], name: FromQuery[str | None] = None,
                     script: FromQuery[str | None] = None) -> list[dict[str, Any]]:
    from runtime.campaigns.tasks import list_tasks

    engine = _engine(request)
    return [_task_out(engine, t) for t in list_tasks(engine, False, name, script)]


@get("/tasks/{task_id:str}", opt={"scope": "tasks:read"}, tags=["tasks"], sync_to_thread=True)
def get_task_route(request: Request[Any, Any, Any], task_id: Id) -> dict[str, Any]:
    from runtime.campaigns.tasks import get_task

    t = get_task(_engine(request), task_id)
    if t is None:
        raise NotFoundException(f"no task with id {task_id}")
    return _task_out(_engine(request), t)


@post("/tasks/{task_id:str}/numbers", opt={"scope": "tasks:write"}, tags=["tasks"], status_code=200, sync_to_thread=True)
def add_numbers_route(request: Request[Any, Any, Any], task_id: Id, data: JSONBody[NumbersIn]) -> dict[str, Any]:
    """Screen numbers into the task's queue now; every number gets a verdict (see the reasons).

    In a worker thread: screening and storing 10,000 numbers on the event loop held every other
    request (``/healthz`` included) until it was done."""
    from runtime.campaigns.loading import add_numbers
    from runtime.campaigns.mapping import CustomerRow
    from runtime.campaigns.tasks import get_task

    if not data.numbers:
        raise HTTPException("numbers: give at least one", status_code=400)
    if len(data.numbers) > MAX_NUMBERS:
        raise HTTPException(f"numbers: at most {MAX_NUMBERS} per request, got {len(data.numbers)}", status_code=400)
    engine = _engine(request)
    if get_task(engine, task_id) is None:
        raise NotFoundException(f"no task with id {task_id}")
    rows = [CustomerRow(i, n.phone, n.secondary_phone, n.customer_id, n.name, n.variables)
            for i, n in enumerate(data.numbers, start=1)]
    try:
        run_id, stats = add_numbers(engine, task_id, rows, request.app.state.settings.phone_region)
    except ValueError as e:
        raise HTTPException(str(e), status_code=409) from e
    from runtime.campaigns import tables as T
    from runtime.campaigns.queue import flagged_rows

    with engine.connect() as c:
        drops = [{"index": r.row_no, "reason": r.drop_reason, "message": r.drop_message} for r in c.execute(
            select(T.jobs.c.row_no, T.jobs.c.drop_reason, T.jobs.c.drop_message)
            .where(T.jobs.c.run_id == run_id, T.jobs.c.state == "dropped").order_by(T.jobs.c.row_no))]
        # kept on the primary number, with the secondary ignored: said per number like a drop
        flagged = [{"index": f["line"], "reason": f["reason"], "message": f"row {f['line']}: {f['message']}"}
                   for f in flagged_rows(c, run_id)]
    return {"run_id": run_id, "total": stats.total, "queued": stats.queued, "dropped": stats.dropped, "dropped_numbers": drops,
            "flagged": len(flagged), "flagged_numbers": flagged}


@post("/tasks/{task_id:str}/status", opt={"scope": "tasks:write"}, tags=["tasks"], status_code=200, sync_to_thread=True)
def status_route(request: Request[Any, Any, Any], task_id: Id, data: JSONBody[StatusIn]) -> dict[str, Any]:
    """start / pause / stop / delete; starting needs an approved script version."""
    from runtime.campaigns.scripts import store_resolver
    from runtime.campaigns.tasks import TaskError, set_status

    engine = _engine(request)
    try:
        t = set_status(engine, task_id, data.action, store_resolver(engine))
    except TaskError as e:
        raise _task_error(e) from e
    return {"id": t.id, "status": t.status}


# ---- calls ---------------------------------------------------------------------------------


def _call_row(r: Any, full: bool, personal: bool = True) -> dict[str, Any]:
    """``personal``: the token has ``personal:read``; without it numbers and names are masked and
    the record (the transcript) is withheld."""
    d = {k: _iso(v) for k, v in r._mapping.items() if k != "record"}
    if not personal:
        d.update(phone=mask_phone(d.get("phone")), name=mask_name(d.get("name")))
    if full:
        d["record"] = (json.loads(r.record) if r.record else None) if personal else None
    return d


def _personal(request: Request[Any, Any, Any]) -> bool:
    principal = request.state.get("principal")
    return principal is not None and "personal:read" in principal.scopes


@get("/calls", opt={"scope": "calls:read"}, tags=["calls"], sync_to_thread=True)
def calls_route(
    request: Request[Any, Any, Any],
    task_id: Annotated[int | None, QueryParameter(ge=1, le=_MAX_ID)] = None,
    outcome: FromQuery[str | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    offset: Annotated[int, QueryParameter(ge=0, le=_MAX_ID)] = 0,
) -> dict[str, Any]:
    """Call attempts, newest first, with the customer they were for."""
    from runtime.campaigns import tables as T

    a, j = T.attempts, T.jobs
    cols = [a.c.id, a.c.task_id, a.c.job_id, a.c.phone, a.c.leg, a.c.state, a.c.outcome, a.c.cause, a.c.started_at,
            a.c.ended_at, a.c.ring_ms, a.c.talk_ms, a.c.intent, a.c.opt_out, a.c.recording, j.c.customer_id, j.c.name]
    q = select(*cols).join(j, j.c.id == a.c.job_id)
    cq = select(func.count()).select_from(a)
    if task_id is not None:
        q, cq = q.where(a.c.task_id == task_id), cq.where(a.c.task_id == task_id)
    if outcome is not None:
        q, cq = q.where(a.c.outcome == outcome), cq.where(a.c.outcome == outcome)
    with _engine(request).connect() as c:
        total = int(c.execute(cq).scalar_one())
        rows = c.execute(q.order_by(a.c.id.desc()).limit(limit).offset(offset)).all()
    personal = _personal(request)
    return {"total": total, "calls": [_call_row(r, False, personal) for r in rows]}


@get("/calls/{call_id:str}", opt={"scope": "calls:read"}, tags=["calls"], sync_to_thread=True)
def call_route(request: Request[Any, Any, Any], call_id: Id) -> dict[str, Any]:
    """One attempt with its engine record: the transcript turn by turn, node path and intent."""
    from runtime.campaigns import tables as T

    a, j = T.attempts, T.jobs
    with _engine(request).connect() as c:
        r = c.execute(select(a, j.c.customer_id, j.c.name).join(j, j.c.id == a.c.job_id).where(a.c.id == call_id)).first()
    if r is None:
        raise NotFoundException(f"no call with id {call_id}")
    return _call_row(r, True, _personal(request))


_v1 = Router(
    path="/api/v1",
    route_handlers=[scripts, voices, lines, create_task_route, list_tasks_route, get_task_route, add_numbers_route,
                    status_route, calls_route, call_route, *reach_routes(), *privacy_api_routes()],
    guards=[_bearer_guard],
)

_HANDLERS: dict[Any, Any] = dict.fromkeys(
    (HTTPException, NotAuthorizedException, PermissionDeniedException, NotFoundException, ValidationException, Exception),
    error_response,
)
router = Router(path="/", route_handlers=[token, _v1], exception_handlers=_HANDLERS)
