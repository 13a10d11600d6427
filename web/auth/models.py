"""The users table and the sign-in throttle's counters. Registered on SQLModel.metadata when
imported (registered in ``web/__init__.py``, see ``huashu.core.db.register_table_modules``)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel

__all__ = ["User", "AuthThrottle"]


def _now() -> datetime:
    return datetime.now(UTC)


class User(SQLModel, table=True):
    __tablename__ = "web_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True, max_length=64)
    password_hash: str = Field(max_length=256)
    role: str = Field(max_length=16)
    active: bool = True
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime(timezone=True))
    last_login_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class AuthThrottle(SQLModel, table=True):
    """Sign-in attempts per key (``user:<name>``, ``client:<id>``, ``addr:<ip>``) since the last
    success, and until when the key is refused. In the database, so every web process behind a
    load balancer counts the same attempts (see :mod:`web.auth.throttle`). Times are Unix
    seconds: one representation on SQLite and PostgreSQL alike."""

    __tablename__ = "auth_throttle"

    key: str = Field(primary_key=True, max_length=160)
    attempts: int = 0
    last_at: float = 0.0
    locked_until: float = 0.0
