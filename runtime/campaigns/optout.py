"""Opt-outs: a number that said "don't call me" (on a call, by SMS reply, to an operator, over
the API), with when and how. It wins over any consent: the screen drops it as ``opted_out``,
and it joins the global blacklist as before."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, String, select
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

from huashu.core.errors import UserError
from runtime.audit.log import record as audit_record
from runtime.campaigns.clock import utcnow
from runtime.privacy.keyed import number_ref

__all__ = ["CHANNELS", "OptOut", "OptOutError", "opted_out_numbers", "record_opt_out"]

CHANNELS = ("call", "sms", "operator", "api")


class OptOutError(UserError):
    """An unknown channel; the message lists the valid ones."""


class OptOut(SQLModel, table=True):
    __tablename__ = "privacy_opt_out"

    phone: str = Field(primary_key=True, max_length=32)  # E.164
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    channel: str = Field(sa_column=Column(String(16), nullable=False))
    detail: str | None = Field(default=None, sa_column=Column(String(200)))


def record_opt_out(conn: Connection, phone_e164: str, channel: str, detail: str | None = None,
                   at: datetime | None = None) -> bool:
    """Record inside the caller's transaction; False when the number had opted out already
    (the first opt-out's time and channel are kept). Also puts it on the global blacklist."""
    from runtime.campaigns.blacklist import add_in

    if channel not in CHANNELS:
        raise OptOutError(f"channel: {channel!r} is not one of {', '.join(CHANNELS)}")
    t = OptOut.__table__  # type: ignore[attr-defined]
    add_in(conn, phone_e164, 0, reason="opt_out", source=f"{channel}: {detail}"[:200] if detail else channel)
    if conn.execute(select(t.c.phone).where(t.c.phone == phone_e164)).first() is not None:
        return False
    when = at or utcnow()
    conn.execute(t.insert().values(phone=phone_e164, at=when, channel=channel, detail=(detail or None) and detail[:200]))
    audit_record(conn, "consent.opt_out", "phone", number_ref(phone_e164), after={"channel": channel, "at": when})
    return True


def opted_out_numbers(conn: Connection) -> set[str]:
    t = OptOut.__table__  # type: ignore[attr-defined]
    return set(conn.execute(select(t.c.phone)).scalars())
