"""The audit tables: the append-only entries and the one-row head that serialises appends.

The head row is updated first by every append: on PostgreSQL that row lock, on SQLite the
database write lock, keeps concurrent appenders in one line, and the head's (seq, hash) lets
``verify`` notice entries cut off the end.
"""

from __future__ import annotations

from sqlalchemy import DDL, Column, Index, String, Text, event
from sqlmodel import Field, SQLModel

__all__ = ["AuditEntry", "AuditHead", "GENESIS"]

GENESIS = "0" * 64


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_target", "target_kind", "target_id"),)

    seq: int = Field(primary_key=True)  # 1, 2, 3 ... given under the head lock, never reused
    at: str = Field(sa_column=Column(String(32), nullable=False, index=True))  # ISO UTC, exact in the hash
    actor: str = Field(sa_column=Column(String(160), nullable=False, index=True))
    address: str | None = Field(default=None, sa_column=Column(String(80)))
    action: str = Field(sa_column=Column(String(60), nullable=False, index=True))
    target_kind: str = Field(sa_column=Column(String(40), nullable=False))
    target_id: str = Field(sa_column=Column(String(200), nullable=False))
    before: str | None = Field(default=None, sa_column=Column(Text))  # canonical JSON
    after: str | None = Field(default=None, sa_column=Column(Text))
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False))
    hash: str = Field(sa_column=Column(String(64), nullable=False))


class AuditHead(SQLModel, table=True):
    __tablename__ = "audit_head"

    id: int = Field(primary_key=True)
    seq: int = 0
    hash: str = Field(sa_column=Column(String(64), nullable=False))


event.listen(
    AuditHead.__table__,  # type: ignore[attr-defined]
    "after_create",
    DDL(f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS}')"),  # noqa: S608 - a module constant
)
