"""SMS tables: a task's follow-up rules and every message (the outbox and its history).

``uq_sms_rule_attempt`` is the exactly-once key: a rule fires at most once for a call, whichever
node ends the call and however often it crashes; the message row is inserted in the same
transaction that stores the call's outcome.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = ["SmsRule", "SmsMessage", "SMS_STATES"]

#: queued: waits in the outbox; sending: a node handed it to the gateway (lease); sent: the
#: gateway accepted it; delivered / failed: the delivery report, or why it never went out
SMS_STATES: tuple[str, ...] = ("queued", "sending", "sent", "delivered", "failed")


class SmsRule(SQLModel, table=True):
    __tablename__ = "sms_rule"

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(index=True)
    name: str
    intent: str | None = None  # the call's intent label or category (e.g. 已充值 / success)
    outcome: str | None = None  # connected | no_answer | busy | ...
    attempts: int | None = None  # the job's attempt count at this call (2: "no answer twice")
    template: str = Field(sa_column=Column(Text, nullable=False))
    enabled: bool = True
    created_at: datetime


class SmsMessage(SQLModel, table=True):
    __tablename__ = "sms_message"
    __table_args__ = (
        UniqueConstraint("rule_id", "attempt_id", name="uq_sms_rule_attempt"),
        Index("ix_sms_state_lease", "state", "lease_until"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rule_id: int
    attempt_id: int = Field(index=True)
    task_id: int = Field(index=True)
    phone: str
    text: str = Field(sa_column=Column(Text, nullable=False))
    segments: int = 1
    state: str = "queued"
    provider: str | None = None
    provider_ref: str | None = None
    error: str | None = Field(default=None, sa_column=Column(Text))
    lease_node: str | None = None
    lease_until: datetime | None = None
    created_at: datetime
    sent_at: datetime | None = None
    done_at: datetime | None = None
