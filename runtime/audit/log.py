"""Appending to the audit trail and reading it back with filters."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from runtime.audit.chain import entry_hash, to_json
from runtime.audit.context import Actor, current_actor
from runtime.audit.models import GENESIS, AuditEntry

__all__ = ["AuditFilter", "list_entries", "record", "redact"]

# Digit runs that may be a phone number (7-15 digits, an optional +): never in the trail, which
# cannot be edited after an erasure; the service names numbers by keyed hash (number_ref) instead.
_NUMBER_LIKE = re.compile(r"(?<![0-9A-Za-z])\+?\d{7,15}(?![0-9A-Za-z])")
NUMBER_MASK = "[number]"
# Keys whose values never enter the trail (it is read by admins and exported).
_SECRET_KEYS = ("password", "secret", "token", "hash", "dsn", "credential")
MAX_VALUE_CHARS = 2000  # one before/after string; a whole script document is summarised by the caller


def redact(value: Any) -> Any:
    """A copy with secret-looking keys masked, phone-number-like digit runs replaced and long
    strings clipped (bounded entries)."""
    if isinstance(value, Mapping):
        return {str(k): ("***" if any(s in str(k).lower() for s in _SECRET_KEYS) else redact(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value[:200]]
    if isinstance(value, str):
        if len(value) > MAX_VALUE_CHARS:
            value = value[:MAX_VALUE_CHARS] + f"...(+{len(value) - MAX_VALUE_CHARS} chars)"
        return _NUMBER_LIKE.sub(NUMBER_MASK, value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record(
    conn: Connection | Session,
    action: str,
    target_kind: str,
    target_id: Any,
    *,
    before: Any = None,
    after: Any = None,
    actor: Actor | None = None,
) -> int:
    """Append one entry inside the caller's transaction; returns its sequence number.

    The head row is bumped first, which takes the lock (a PostgreSQL row lock held to commit,
    or SQLite's write lock) before the previous hash is read: appends never fork the chain.
    """
    c = conn.connection() if isinstance(conn, Session) else conn
    who = actor or current_actor()
    bump = text("UPDATE audit_head SET seq = seq + 1 WHERE id = 1")
    if c.execute(bump).rowcount == 0:
        _recreate_head(c)
        c.execute(bump)
    seq, prev = c.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).one()
    row: dict[str, Any] = {
        "seq": int(seq),
        "at": _now_iso(),
        "actor": who.name[:160],
        "address": (who.address or None) and who.address[:80],
        "action": action[:60],
        "target_kind": target_kind[:40],
        "target_id": str(target_id)[:200],
        "before": to_json(redact(before)),
        "after": to_json(redact(after)),
    }
    row["prev_hash"] = prev
    row["hash"] = entry_hash(prev, row)
    c.execute(AuditEntry.__table__.insert().values(**row))  # type: ignore[attr-defined]
    c.execute(text("UPDATE audit_head SET hash = :h WHERE id = 1"), {"h": row["hash"]})
    return int(seq)


def _recreate_head(c: Connection) -> None:
    """A head row lost (a truncated database): continue after the last entry, whose link
    ``verify`` still checks. Concurrent recreations: the first insert wins, the rest do nothing."""
    t = AuditEntry.__table__  # type: ignore[attr-defined]
    last = c.execute(select(t.c.seq, t.c.hash).order_by(t.c.seq.desc()).limit(1)).first()
    seq, h = (int(last[0]), last[1]) if last else (0, GENESIS)
    c.execute(text("INSERT INTO audit_head (id, seq, hash) VALUES (1, :s, :h) ON CONFLICT (id) DO NOTHING"),
              {"s": seq, "h": h})


def record_now(engine: Engine, action: str, target_kind: str, target_id: Any, **kw: Any) -> int:
    """Append in a transaction of its own (a sensitive read: an export, a recording play)."""
    with engine.begin() as conn:
        return record(conn, action, target_kind, target_id, **kw)


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None  # exact, or a prefix ending in "." ("task." = every task action)
    target_kind: str | None = None
    target_id: str | None = None
    since: str | None = None  # ISO date or datetime, UTC
    until: str | None = None
    limit: int = 200
    offset: int = 0


def list_entries(engine: Engine, f: AuditFilter = AuditFilter()) -> list[dict[str, Any]]:
    """Newest first."""
    t = AuditEntry.__table__  # type: ignore[attr-defined]
    q = select(t).order_by(t.c.seq.desc())
    if f.actor:
        q = q.where(t.c.actor == f.actor)
    if f.action:
        q = q.where(t.c.action.startswith(f.action, autoescape=True) if f.action.endswith(".") else t.c.action == f.action)
    if f.target_kind:
        q = q.where(t.c.target_kind == f.target_kind)
    if f.target_id:
        q = q.where(t.c.target_id == f.target_id)
    if f.since:
        q = q.where(t.c.at >= f.since)
    if f.until:
        q = q.where(t.c.at < f.until)
    q = q.limit(max(1, min(f.limit, 10_000))).offset(max(0, f.offset))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]
