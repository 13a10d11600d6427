"""Campaign tables: data sources, call tasks, their runs, dial jobs, attempts, blacklist, triggers.

All timestamps are aware UTC; :func:`runtime.campaigns.clock.utcnow` is the only source. A :class:`DialJob` is one customer row of one run: it carries the
compliance verdict (``dropped`` with a reason) or its place in the dial queue, the lease of
the node that claimed it, and the redial / secondary-number state. Every dial attempt gets
a :class:`CallAttempt` row *before* the call is placed, so a crash can never hide a call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = [
    "DataSource",
    "TaskSettings",
    "CallTask",
    "TaskRun",
    "DialJob",
    "CallAttempt",
    "BlacklistEntry",
    "Trigger",
    "ComplianceSettings",
    "TASK_STATUSES",
    "JOB_STATES",
    "GLOBAL",
]

#: failed: a one-off task none of whose runs could read its numbers (see its runs' errors)
TASK_STATUSES: tuple[str, ...] = ("draft", "running", "paused", "completed", "failed", "deleted")
#: dropped: failed a compliance check (see drop_reason); queued: waits for a dialer;
#: claimed: a node holds it, no call placed yet; dialing: a call was placed; done: finished.
JOB_STATES: tuple[str, ...] = ("dropped", "queued", "claimed", "dialing", "done")
#: ``BlacklistEntry.task_id`` of a global entry.
GLOBAL = 0


class DataSource(SQLModel, table=True):
    __tablename__ = "campaign_source"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    kind: str  # csv | xlsx | mysql | postgresql | oracle | http
    host: str | None = None
    port: int | None = None
    database: str | None = None
    user: str | None = None
    password_enc: str | None = None  # Fernet token; never the clear password
    url_enc: str | None = None  # a connection URL may embed a password: encrypted too
    path: str | None = None  # csv/xlsx file
    http_url: str | None = None
    http_format: str | None = None  # json | csv
    #: seconds one query of this source may run on its server (None: the default, 60 s)
    statement_timeout_s: float | None = None
    created_at: datetime


@dataclass
class TaskSettings:
    """How a call task runs — schedule, script, caller, pacing, redial, compliance, answering —
    written once: the ``campaign_task`` columns of these names (:class:`CallTask`) and the
    :class:`runtime.campaigns.tasks.TaskSpec` a task is created and changed with both take them
    from here, so a setting added here is in both. The order is the API's (``/schema``)."""

    name: str
    business: str  # the dedupe key
    source_id: int | None = None
    query: str | None = None
    schedule_kind: str = "once"  # once | cron
    cron: str | None = None
    timezone: str = "Asia/Shanghai"
    once_at: datetime | None = None
    script_id: str | None = None
    script_version: int | None = None
    voice: str | None = None
    caller_id: str | None = None
    caller_pool: str | None = None  # a caller-id pool's name: the dialer picks a number per call (local first)
    # 0..9, higher first among tasks sharing the line (runtime.campaigns.priority)
    priority: int = 0
    redial_count: int = 0
    redial_interval_s: int = 600
    redial_outcomes: str = "no_answer,busy"
    call_secondary: bool = False
    windows: str = "09:00-12:00,13:30-20:00"
    max_concurrent: int = 5
    calls_per_second: float = 1.0
    spread: bool = False
    agent_group: str | None = None
    dedupe_days: int | None = None  # None: the global compliance setting
    misfire: str = "fire_once"  # fire_once | skip
    audience_id: int | None = None  # numbers from a saved audience instead of a data source
    best_time: bool = False  # defer each number to its segment's best half hour (runtime.analytics.besttime)
    # answer classification for this task's calls (runtime.answer.per_task; docs/answering.md)
    answer_mode: str = "node"  # node (the node's [answer] enabled) | on | off
    answer_on_machine: str | None = None  # hangup | message; None: the node's
    answer_message: str | None = None  # left on a voicemail box; None: the node's
    answer_screener_text: str | None = None  # said to a call screener; None: the node's
    business_type: str | None = None  # marketing | service | collection: the legal bases it needs (consent.py)
    region_policy: str | None = None  # cn | us | eu | a custom one: hours, holidays, attempts, disclosure (regions.py)


class CallTask(SQLModel, TaskSettings, table=True):
    """A call task as stored: its :class:`TaskSettings` as columns, plus what only the row has
    (id, status, the query's parameters and the column mapping as JSON text, times)."""

    __tablename__ = "campaign_task"

    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default="draft", index=True)
    query_params: str = "{}"  # JSON object
    mapping: str = "{}"  # JSON: phone, secondary_phone, customer_id, name, variables[]
    # the indexed columns, and the server defaults for rows older than their columns
    name: str = Field(index=True)
    business: str = Field(index=True)
    source_id: int | None = Field(default=None, index=True)
    priority: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    answer_mode: str = Field(default="node", sa_column_kwargs={"server_default": "node"})
    created_at: datetime
    updated_at: datetime


class TaskRun(SQLModel, table=True):
    """One firing of a task's trigger; loading its numbers is claimed like a job."""

    __tablename__ = "campaign_run"

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(index=True)
    fired_at: datetime
    state: str = Field(default="pending", index=True)  # pending | loading | loaded | failed
    lease_node: str | None = None
    lease_until: datetime | None = None
    total: int = 0
    queued: int = 0
    dropped: int = 0
    error: str | None = Field(default=None, sa_column=Column(Text))


class DialJob(SQLModel, table=True):
    __tablename__ = "campaign_job"
    __table_args__ = (
        # two secondary indexes only: each one costs on a million-row load
        Index("ix_job_task_state", "task_id", "state", "not_before"),  # claims, progress
        Index("ix_job_business", "business", "created_at"),  # dedupe by business
    )

    id: int | None = Field(default=None, primary_key=True)
    task_id: int
    run_id: int
    business: str
    row_no: int = 0  # line/row of the source, for messages
    customer_id: str | None = None
    name: str | None = None
    phone: str | None = None  # primary, E.164 (None when it did not validate)
    phone_raw: str | None = None
    phone2: str | None = None  # secondary, E.164
    variables: str = "{}"
    state: str = "queued"
    drop_reason: str | None = None
    drop_message: str | None = None
    note: str | None = None  # e.g. a secondary number that did not validate, a deferral
    dial_phone: str | None = None  # what the next/last attempt dials
    leg: str = "primary"  # primary | secondary
    attempts: int = 0
    not_before: datetime | None = None
    lease_node: str | None = None
    lease_until: datetime | None = None
    last_outcome: str | None = None
    created_at: datetime


class CallAttempt(SQLModel, table=True):
    __tablename__ = "campaign_attempt"
    __table_args__ = (Index("ix_attempt_phone_time", "phone", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(index=True)
    task_id: int = Field(index=True)
    phone: str
    leg: str = "primary"
    node_id: str
    state: str = "up"  # up | ended | interrupted
    outcome: str | None = Field(default=None, index=True)
    cause: str | None = None
    started_at: datetime
    ended_at: datetime | None = None
    ring_ms: int = 0
    talk_ms: int = 0
    recording: str | None = None
    intent: str | None = None
    opt_out: bool = False
    caller_id: str | None = None  # the number shown, when picked from a pool
    caller_rule: str | None = None  # city | province | operator | any: why that number
    record: str | None = Field(default=None, sa_column=Column(Text))  # engine record JSON


class BlacklistEntry(SQLModel, table=True):
    __tablename__ = "campaign_blacklist"
    __table_args__ = (UniqueConstraint("phone", "task_id", name="uq_blacklist_phone_task"),)

    id: int | None = Field(default=None, primary_key=True)
    phone: str = Field(index=True)
    task_id: int = GLOBAL
    reason: str = "manual"
    source: str | None = None
    created_at: datetime


class Trigger(SQLModel, table=True):
    __tablename__ = "campaign_trigger"

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(index=True, unique=True)
    kind: str = "cron"  # cron | once
    cron: str | None = None
    timezone: str = "Asia/Shanghai"
    next_fire_at: datetime | None = Field(default=None, index=True)
    misfire: str = "fire_once"  # fire_once | skip
    misfire_grace_s: int = 300
    last_fired_at: datetime | None = None
    fire_count: int = 0
    skipped: int = 0


class ComplianceSettings(SQLModel, table=True):
    """Global frequency caps and dedupe window; one row (id 1), created on first read."""

    __tablename__ = "campaign_compliance"

    id: int | None = Field(default=None, primary_key=True)
    cap_day: int = 2
    cap_week: int = 5
    cap_month: int = 10
    dedupe_days: int = 30
    number_format: str = "any"  # any | e164 | national
