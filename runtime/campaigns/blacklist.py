"""Blacklist storage: global entries (task_id 0) and per-task entries; an opt-out adds one at once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from runtime.campaigns import tables as T
from runtime.campaigns.clock import utcnow
from runtime.campaigns.models import GLOBAL
from runtime.campaigns.phones import normalize

__all__ = ["BlacklistError", "add", "add_in", "add_many", "entries", "load_sets", "remove"]


class BlacklistError(ValueError):
    """A number that cannot be blacklisted (it does not validate)."""


def _e164(phone: str, region: str) -> str:
    chk = normalize(phone, region)
    if chk.e164 is None:
        raise BlacklistError(chk.message or f"{phone!r} is not a phone number")
    return chk.e164


def add_in(conn: Connection, phone_e164: str, task_id: int = GLOBAL, reason: str = "manual", source: str | None = None) -> bool:
    """Add inside the caller's transaction (the opt-out path); False when already listed."""
    b = T.blacklist
    if conn.execute(select(b.c.id).where(b.c.phone == phone_e164, b.c.task_id == task_id)).first():
        return False
    conn.execute(insert(b).values(phone=phone_e164, task_id=task_id, reason=reason, source=source, created_at=utcnow()))
    return True


def add(engine: Engine, phone: str, task_id: int = GLOBAL, reason: str = "manual", region: str = "CN") -> bool:
    e164 = _e164(phone, region)
    try:
        with engine.begin() as conn:
            return add_in(conn, e164, task_id, reason)
    except IntegrityError:  # a concurrent add of the same number won
        return False


def add_many(
    engine: Engine, numbers: Iterable[tuple[int, Any]], task_id: int = GLOBAL, reason: str = "import", region: str = "CN"
) -> tuple[int, list[str]]:
    """Import (line, number) pairs; returns (added, errors with their line numbers)."""
    errors: list[str] = []
    wanted: dict[str, int] = {}
    for line, raw in numbers:
        chk = normalize(raw, region)
        if chk.e164 is None:
            errors.append(f"line {line}: {chk.message}")
        else:
            wanted.setdefault(chk.e164, line)
    b = T.blacklist
    with engine.begin() as conn:
        have = set(conn.execute(select(b.c.phone).where(b.c.task_id == task_id)).scalars())
        now = utcnow()
        new = [{"phone": p, "task_id": task_id, "reason": reason, "source": None, "created_at": now} for p in wanted if p not in have]
        if new:
            conn.execute(insert(b), new)
    return len(new), errors


def remove(engine: Engine, phone: str, task_id: int = GLOBAL, region: str = "CN") -> bool:
    e164 = _e164(phone, region)
    b = T.blacklist
    with engine.begin() as conn:
        res = conn.execute(delete(b).where(b.c.phone == e164, b.c.task_id == task_id))
        return bool(res.rowcount)


def entries(engine: Engine, task_id: int | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    b = T.blacklist
    q = select(b).order_by(b.c.id).limit(limit)
    if task_id is not None:
        q = q.where(b.c.task_id == task_id)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def load_sets(conn: Connection, task_id: int) -> tuple[set[str], set[str]]:
    """(global numbers, this task's numbers)."""
    b = T.blacklist
    g: set[str] = set()
    t: set[str] = set()
    for phone, tid in conn.execute(select(b.c.phone, b.c.task_id).where(b.c.task_id.in_([GLOBAL, task_id]))):
        (g if tid == GLOBAL else t).add(phone)
    return g, t
