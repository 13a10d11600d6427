"""The suppression list of erased numbers: only a keyed hash (HMAC under the installation secret)
is kept, so the number is never called again yet cannot be read back from the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, String, select
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

__all__ = ["Suppressed", "suppressed_hashes"]


class Suppressed(SQLModel, table=True):
    __tablename__ = "privacy_suppression"

    number_hash: str = Field(primary_key=True, max_length=64)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    reason: str = Field(sa_column=Column(String(40), nullable=False))


def suppressed_hashes(conn: Connection) -> set[str]:
    t = Suppressed.__table__  # type: ignore[attr-defined]
    return set(conn.execute(select(t.c.number_hash)).scalars())
