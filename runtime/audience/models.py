"""Tables of the audience area: model versions, audiences, their members and the control-group policy.

Customer data itself is not copied into the database (a million rows live in a Parquet or
CSV file or a customer data source); only the chosen members of an audience are, with the
phone numbers and variables a call task needs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = ["AudienceModel", "Audience", "AudienceMember", "ControlPolicy"]


def _now() -> datetime:
    return datetime.now(UTC)


class AudienceModel(SQLModel, table=True):
    """One trained model version; the fitted estimator and its preparation live in ``path`` (joblib).

    Timestamps are timezone-aware UTC (SQLModel stores them as UTC).
    """

    __tablename__ = "audience_model"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    kind: str  # tree | logistic | uplift
    target: str
    path: str
    features: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    metrics: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    split_seed: int = 0
    parent_id: int | None = Field(default=None, foreign_key="audience_model.id")
    created_at: datetime = Field(default_factory=_now)


class Audience(SQLModel, table=True):
    """A saved set of customers to call: top N / above a threshold of a model, or a rule."""

    __tablename__ = "audience"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    kind: str  # model | rule
    model_id: int | None = Field(default=None, foreign_key="audience_model.id")
    rule: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    top_n: int | None = None
    threshold: float | None = None
    source: str = ""  # the customer file or data source the members were drawn from
    refresh_cron: str | None = None
    size: int = 0
    held_out: int = 0
    created_at: datetime = Field(default_factory=_now)
    refreshed_at: datetime = Field(default_factory=_now)


class AudienceMember(SQLModel, table=True):
    __tablename__ = "audience_member"
    __table_args__ = (UniqueConstraint("audience_id", "customer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    audience_id: int = Field(foreign_key="audience.id", index=True)
    customer_id: int
    phone: str
    secondary_phone: str = ""
    score: float = 0.0
    held_out: bool = False  # in the control group: never called, measured for comparison
    variables: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ControlPolicy(SQLModel, table=True):
    """The one hold-out policy: the salt and share that decide, by hash, who is never called."""

    __tablename__ = "audience_control_policy"

    id: int | None = Field(default=None, primary_key=True)
    salt: str
    fraction: float
    created_at: datetime = Field(default_factory=_now)
