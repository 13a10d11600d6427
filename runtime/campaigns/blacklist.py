"""Blacklist storage: global entries (task_id 0) and per-task entries; an opt-out adds one at once."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from huashu.core.errors import UserError
from runtime.audit.log import record as audit_record
from runtime.campaigns import tables as T
from runtime.campaigns.clock import utcnow
from runtime.campaigns.models import GLOBAL
from runtime.campaigns.phones import normalize
from runtime.campaigns.uploads import RowError, decode_text
from runtime.privacy.keyed import number_ref

__all__ = ["BlacklistError", "add", "add_in", "add_many", "entries", "import_lines", "load_sets", "remove"]


class BlacklistError(UserError):
    """A number that cannot be blacklisted (it does not validate)."""


def _e164(phone: str, region: str) -> str:
    chk = normalize(phone, region)
    if chk.e164 is None:
        raise BlacklistError(chk.message or f"{phone!r} is not a phone number", key=chk.reason or "bad_format",
                             params={"phone": phone})
    return chk.e164


def add_in(conn: Connection, phone_e164: str, task_id: int = GLOBAL, reason: str = "manual", source: str | None = None) -> bool:
    """Add inside the caller's transaction (the opt-out path); False when already listed."""
    b = T.blacklist
    if conn.execute(select(b.c.id).where(b.c.phone == phone_e164, b.c.task_id == task_id)).first():
        return False
    conn.execute(insert(b).values(phone=phone_e164, task_id=task_id, reason=reason, source=source, created_at=utcnow()))
    audit_record(conn, "blacklist.add", "phone", number_ref(phone_e164), after={"task_id": task_id, "reason": reason, "source": source})
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
) -> tuple[int, list[RowError]]:
    """Import (line, number) pairs; returns (added, the bad numbers by line)."""
    errors: list[RowError] = []
    wanted: dict[str, int] = {}
    for line, raw in numbers:
        chk = normalize(raw, region)
        if chk.e164 is None:
            errors.append(RowError.of_number(line, chk, raw))
        else:
            wanted.setdefault(chk.e164, line)
    b = T.blacklist
    with engine.begin() as conn:
        have = set(conn.execute(select(b.c.phone).where(b.c.task_id == task_id)).scalars())
        now = utcnow()
        new = [{"phone": p, "task_id": task_id, "reason": reason, "source": None, "created_at": now} for p in wanted if p not in have]
        if new:
            conn.execute(insert(b), new)
            audit_record(conn, "blacklist.import", "blacklist", task_id,
                         after={"added": len(new), "reason": reason, "first": [number_ref(str(r["phone"])) for r in new[:20]]})
    return len(new), errors


def import_lines(data: bytes, column: str = "phone") -> tuple[list[tuple[int, str]], list[RowError]]:
    """(line, number) pairs of an import file, and its unreadable lines by line.

    Decoded like a campaign list (UTF-8 with or without BOM, GBK/GB18030; an undecodable line
    is reported and skipped, the rest kept). A CSV whose first line names ``column`` is read by
    that column; anything else is one number a line.
    """
    bad: list[RowError] = []
    text = decode_text(data, bad)
    lines = text.splitlines()
    pairs: list[tuple[int, str]] = []
    if lines and column in next(csv.reader([lines[0]]), []):
        reader = csv.DictReader(io.StringIO(text, newline=""))
        for row in reader:
            raw = row.get(column)
            if raw is None or not str(raw).strip():
                if any((v or "").strip() for v in row.values() if isinstance(v, str)):
                    bad.append(RowError(reader.line_num, f"no number in column {column!r}", "op.row.no_number",
                                        {"column": column[:40]}))
                continue
            pairs.append((reader.line_num, str(raw).strip()))
    else:
        pairs = [(i, ln.strip()) for i, ln in enumerate(lines, 1) if ln.strip()]
    bad.sort(key=lambda e: e.row_no)
    return pairs, bad


def remove(engine: Engine, phone: str, task_id: int = GLOBAL, region: str = "CN") -> bool:
    e164 = _e164(phone, region)
    b = T.blacklist
    with engine.begin() as conn:
        res = conn.execute(delete(b).where(b.c.phone == e164, b.c.task_id == task_id))
        if res.rowcount:
            audit_record(conn, "blacklist.remove", "phone", number_ref(e164), before={"task_id": task_id})
        return bool(res.rowcount)


def remove_entry(engine: Engine, entry_id: int) -> str | None:
    """Remove one entry by its id (a page that shows numbers masked never sends the number);
    returns the number it held, None when there was no such entry."""
    b = T.blacklist
    with engine.begin() as conn:
        row = conn.execute(select(b.c.phone, b.c.task_id).where(b.c.id == entry_id)).first()
        if row is None:
            return None
        conn.execute(delete(b).where(b.c.id == entry_id))
        audit_record(conn, "blacklist.remove", "phone", number_ref(row.phone), before={"task_id": row.task_id})
        return str(row.phone)


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
