"""The bodies ``/api/v1`` reads and answers, typed so that ``/schema`` documents every one.

A task has one shape, :class:`runtime.campaigns.tasks.TaskSpec`: the request body is a subclass
that only tightens it for the wire (``script_id`` required, the closed sets as ``Literal``), read
through a DTO that renames ``schedule_kind`` to the API's ``schedule`` and leaves out ``once_at``;
the answer is the same spec plus the stored task's id, status, times and progress. The handler
is handed a ``TaskSpec`` and passes it on: no field is copied by hand.

The other answers mirror a runtime service's rows; :func:`row` builds one from a row mapping and
takes only the declared fields, so a column added to a table is not published by accident.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Literal, TypeVar

import msgspec
from litestar.dto import DataclassDTO, DTOConfig, DTOData
from litestar.exceptions import SerializationException, ValidationException
from litestar.types.protocols import DataclassProtocol

from runtime.campaigns.tasks import TaskSpec

__all__ = [
    "TaskRequest", "TaskRequestDTO", "ThreadDecoded", "NumbersInDTO", "PoolNumbersInDTO", "TaskOut", "ProgressOut", "RunOut", "NumberIn", "NumbersIn", "NumberVerdict",
    "NumbersOut", "StatusIn", "StatusOut", "ScriptOut", "VoiceOut", "LineOut", "CallOut", "CallDetailOut", "CallsOut",
    "TokenOut", "PoolOut", "PoolNumberIn", "PoolNumbersIn", "PoolImportOut", "PoolNumberOut", "RegionOut", "PickOut",
    "ReachIn", "ReachOut", "SmsRuleIn", "SmsLengthOut", "SmsRuleOut", "SmsMessageOut", "SmsMessagesOut", "PhoneBody",
    "ErasureOut", "OptOutOut", "row",
]

_T = TypeVar("_T")
_Body = TypeVar("_Body", bound="DataclassProtocol")


def row(cls: type[_T], mapping: Any, **extra: Any) -> _T:
    """``cls`` from a row mapping (or dict) plus ``extra``: only ``cls``'s own fields are read."""
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    values = {k: v for k, v in dict(mapping).items() if k in names}
    return cls(**(values | extra))


# ---- tasks ---------------------------------------------------------------------------------


@dataclass(kw_only=True)
class TaskRequest(TaskSpec):
    """``POST /tasks``: a :class:`TaskSpec` as a client sends it. The script is required here
    (callers inside the product may resolve scripts themselves); the closed sets are enums in
    the schema. Everything else, checks included, is the spec's."""

    script_id: str = field()  # field(): a bare annotation would inherit TaskSpec's default (None)
    schedule_kind: Literal["once", "cron"] = "once"
    misfire: Literal["fire_once", "skip"] = "fire_once"
    #: classify what answers (docs/answering.md): node = the node's setting, or on/off for this task
    answer_mode: Literal["node", "on", "off"] = "node"
    #: a machine answers: hang up or leave ``answer_message`` (None: the node's)
    answer_on_machine: Literal["hangup", "message"] | None = None
    #: marketing | service | collection: which legal bases (mapping "consent") the numbers need
    business_type: Literal["marketing", "service", "collection"] | None = None


def _body_error(dto: DataclassDTO[Any], value: bytes, e: SerializationException) -> ValidationException:
    """A body a DTO cannot decode as a validation error like any other body's (Litestar answers
    a DTO's decoding error without the ``extra`` that names the field)."""
    # the typed decoder stops at the first misfit; a body nested thousands deep must still be said
    # to be that (RecursionError: web.bad_input), so read it untyped, on failure only
    with contextlib.suppress(msgspec.DecodeError):  # not JSON at all: said as a misfit
        msgspec.json.decode(value)
    conn = dto.asgi_connection
    return ValidationException(f"Validation failed for {conn.scope.get('method', '')} {conn.url.path}",
                               extra=[{"message": str(e), "key": "data", "source": "body"}])


class ThreadDecoded(DTOData[_T]):
    """A body kept as bytes on the event loop and decoded by :meth:`create_instance`, which the
    handler calls in its worker thread. For the big bodies (10,000 numbers): Litestar's decoding
    into the model, with its type decoders, held the loop ~0.6 s for 10,000 numbers even through
    a DTO; msgspec's plain typed decode takes ~30 ms, and off the loop."""

    __slots__ = ("_raw", "_model", "_where")

    def __init__(self, raw: bytes, model: type[_T], where: str) -> None:
        self._raw, self._model, self._where = raw, model, where

    def create_instance(self, **kwargs: Any) -> _T:
        try:
            got = msgspec.json.decode(self._raw, type=self._model, strict=False)  # as Litestar decodes
        except msgspec.DecodeError as e:  # a misfit (ValidationError) or not JSON
            with contextlib.suppress(msgspec.DecodeError):  # too deep: RecursionError, said by web.bad_input
                msgspec.json.decode(self._raw)
            raise ValidationException(f"Validation failed for {self._where}",
                                      extra=[{"message": str(e), "key": "data", "source": "body"}]) from e
        for k, v in kwargs.items():
            setattr(got, k, v)
        return got


class ThreadDecodedDTO(DataclassDTO[_Body]):
    """A DTO whose body is decoded in the handler's worker thread (:class:`ThreadDecoded`)."""

    config = DTOConfig(max_nested_depth=1)

    def decode_bytes(self, value: bytes) -> Any:
        conn = self.asgi_connection
        return ThreadDecoded(value, self.model_type, f"{conn.scope.get('method', '')} {conn.url.path}")


class TaskRequestDTO(DataclassDTO[TaskRequest]):
    __schema_name__ = "TaskIn"  # the body's name in /schema since the API began
    # once_at is the CLI's (a one-off at a set time); the API has always called the kind "schedule"
    config = DTOConfig(exclude={"once_at"}, rename_fields={"schedule_kind": "schedule"})

    def decode_bytes(self, value: bytes) -> Any:
        try:
            return super().decode_bytes(value)
        except SerializationException as e:
            raise _body_error(self, value, e) from e


@dataclass
class RunOut:
    """One run of a task: a trigger fire or a number upload."""

    id: int
    fired_at: str
    state: str
    total: int
    queued: int
    dropped: int
    error: str | None


@dataclass
class ProgressOut:
    """:class:`runtime.campaigns.progress.Progress` with its derived figures."""

    task_id: int
    total: int
    by_state: dict[str, int]
    dropped_by_reason: dict[str, int]
    attempts: int
    attempts_by_outcome: dict[str, int]
    calls_up: int
    connected_numbers: int
    runs: list[RunOut]
    last_error: str | None
    finished: int
    connect_rate: float


@dataclass(kw_only=True)
class TaskOut(TaskSpec):
    """A stored task: its spec (``schedule_kind`` by its column name) and what the store adds."""

    id: int
    status: str
    created_at: datetime
    updated_at: datetime
    progress: ProgressOut


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


class NumbersInDTO(ThreadDecodedDTO[NumbersIn]):
    """Up to 10,000 numbers, documented in /schema like any body and decoded in the handler's
    worker thread (:class:`ThreadDecoded`)."""

    __schema_name__ = "NumbersIn"


@dataclass
class NumberVerdict:
    """A number that was dropped (or kept with a part ignored), by its 1-based index."""

    index: int
    reason: str
    message: str


@dataclass
class NumbersOut:
    run_id: int
    total: int
    queued: int
    dropped: int
    dropped_numbers: list[NumberVerdict]
    flagged: int
    flagged_numbers: list[NumberVerdict]


@dataclass
class StatusIn:
    action: Literal["start", "pause", "stop", "delete"]


@dataclass
class StatusOut:
    id: int
    status: str


# ---- configuration ---------------------------------------------------------------------


@dataclass
class ScriptOut:
    id: str
    name: str
    business: str
    approved_version: int
    latest_version: int
    latest_status: str


@dataclass
class VoiceOut:
    provider: str
    default_voice: str | None


@dataclass
class LineOut:
    driver: str
    max_concurrent: int
    calls_per_second: float


# ---- calls ---------------------------------------------------------------------------------


@dataclass
class CallOut:
    """A call attempt with the customer it was for. Without ``personal:read`` the phone and name
    are masked (138****5678)."""

    id: int
    task_id: int
    job_id: int
    phone: str
    leg: str
    state: str
    outcome: str | None
    cause: str | None
    started_at: datetime
    ended_at: datetime | None
    ring_ms: int
    talk_ms: int
    intent: str | None
    opt_out: bool
    recording: str | None
    customer_id: str | None
    name: str | None


@dataclass(kw_only=True)
class CallDetailOut(CallOut):
    """One attempt with the node that placed it, the caller id and the engine record (the
    transcript turn by turn, node path and intent; withheld without ``personal:read``)."""

    node_id: str
    caller_id: str | None
    caller_rule: str | None
    record: dict[str, Any] | None


@dataclass
class CallsOut:
    total: int
    calls: list[CallOut]


# ---- oauth ---------------------------------------------------------------------------------


@dataclass
class TokenOut:
    access_token: str
    token_type: str
    expires_in: int
    scope: str


# ---- reach: caller-id pools, task reach, SMS --------------------------------------------


@dataclass
class PoolOut:
    id: int
    name: str
    default_cap: int
    rest_hours: int
    timezone: str
    created_at: datetime
    numbers: int


@dataclass
class PoolNumberIn:
    number: str
    cap: int | None = None


@dataclass
class PoolNumbersIn:
    numbers: list[PoolNumberIn]
    default_cap: int | None = None


class PoolNumbersInDTO(ThreadDecodedDTO[PoolNumbersIn]):
    """Up to 20,000 numbers, decoded in the handler's worker thread (:class:`ThreadDecoded`)."""

    __schema_name__ = "PoolNumbersIn"


@dataclass
class PoolImportOut:
    pool: str
    added: int
    updated: int
    #: ``numbers[i]: why`` for each number refused
    errors: list[str]


@dataclass
class PoolNumberOut:
    """A pool's number with today's health (in the pool's time zone) and rest flag."""

    id: int
    pool_id: int
    number: str
    province: str
    city: str
    operator: str
    label: str
    operator_label: str
    cap: int | None
    rested_until: datetime | None
    rest_reason: str | None
    created_at: datetime
    day: str
    attempts: int
    answered: int
    early_hangups: int
    answer_rate: float | None
    early_rate: float | None
    effective_cap: int
    rested: bool


@dataclass
class RegionOut:
    province: str
    city: str
    operator: str
    label: str
    operator_label: str


@dataclass
class PickOut:
    caller_id: str | None
    #: city | province | operator | any | none (every number capped or resting)
    rule: str
    callee_region: RegionOut
    caller_region: RegionOut | None
    skipped_capped: list[str]
    skipped_rested: list[str]


@dataclass
class ReachIn:
    priority: int | None = None
    caller_pool: str | None = None
    clear_caller_pool: bool = False


@dataclass
class ReachOut:
    id: int
    priority: int
    caller_pool: str | None


@dataclass
class SmsRuleIn:
    name: str
    template: str
    intent: str | None = None
    outcome: str | None = None
    attempts: int | None = None


@dataclass
class SmsLengthOut:
    encoding: str
    units: int
    segments: int
    per_segment: int


@dataclass
class SmsRuleOut:
    id: int
    task_id: int
    name: str
    template: str
    intent: str | None
    outcome: str | None
    attempts: int | None
    length: SmsLengthOut
    enabled: bool = True
    #: absent in the answer to a new rule (it is now)
    created_at: datetime | None = None


@dataclass
class SmsMessageOut:
    id: int
    rule_id: int
    rule: str | None
    attempt_id: int
    task_id: int
    phone: str
    text: str
    segments: int
    state: str
    provider: str | None
    provider_ref: str | None
    error: str | None
    lease_node: str | None
    lease_until: datetime | None
    created_at: datetime
    sent_at: datetime | None
    done_at: datetime | None


@dataclass
class SmsMessagesOut:
    #: messages by state, every state present
    summary: dict[str, int]
    messages: list[SmsMessageOut]


# ---- privacy -------------------------------------------------------------------------------


@dataclass
class PhoneBody:
    phone: str
    detail: str | None = None


@dataclass
class ErasureOut:
    number_ref: str
    deleted: dict[str, int]
    files: list[str]
    remaining: list[str]
    complete: bool


@dataclass
class OptOutOut:
    recorded: bool
