"""Caller-id tables: pools, their numbers (region, cap, rest), and each number's counts per day.

``CallerDay`` is both the daily cap's counter (a conditional ``UPDATE`` takes a slot, so nodes
sharing one database never exceed a cap together) and the health record (attempts, answered,
early hang-ups) the resting test and the operator page read.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = ["CallerPool", "CallerNumber", "CallerDay"]


class CallerPool(SQLModel, table=True):
    __tablename__ = "callerid_pool"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    default_cap: int = 200  # attempts a number a day, unless the number says otherwise
    rest_hours: int = 24  # how long a number flagged by the health test rests
    timezone: str = "Asia/Shanghai"  # whose calendar day the caps and counts follow
    created_at: datetime


class CallerNumber(SQLModel, table=True):
    __tablename__ = "callerid_number"
    __table_args__ = (UniqueConstraint("pool_id", "number", name="uq_callerid_pool_number"),)

    id: int | None = Field(default=None, primary_key=True)
    pool_id: int = Field(index=True)
    number: str  # E.164
    province: str = ""
    city: str = ""
    operator: str = ""
    label: str = ""  # Chinese place name, for people
    operator_label: str = ""
    cap: int | None = None  # None: the pool's default_cap
    rested_until: datetime | None = None
    rest_reason: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime


class CallerDay(SQLModel, table=True):
    __tablename__ = "callerid_day"
    __table_args__ = (UniqueConstraint("number_id", "day", name="uq_callerid_day"),)

    id: int | None = Field(default=None, primary_key=True)
    number_id: int = Field(index=True)
    day: str  # YYYY-MM-DD in the pool's time zone
    attempts: int = 0
    answered: int = 0
    early_hangups: int = 0
