"""Store hooks: designer script events (import, save, submit, approve, reject, retire) become audit
entries in the same flush, so every path that moves a script (CLI, API, pages) is covered once
and the designer package keeps importing nothing of the runtime."""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection, Engine

from designer.store import ScriptEvent
from runtime.audit.context import Actor, current_actor
from runtime.audit.log import record

__all__: list[str] = []


_AUDITED: weakref.WeakSet[Engine] = weakref.WeakSet()


def _has_trail(conn: Connection) -> bool:
    """A database made with the trail (``huashu.core.db.init_db``); a designer-only one (its own
    tests, a tool with just the script tables) is left alone. Only a yes is remembered."""
    engine = conn.engine
    if engine in _AUDITED:
        return True
    if inspect(conn).has_table("audit_head"):
        _AUDITED.add(engine)
        return True
    return False


def _script_event(_mapper: Any, conn: Connection, ev: ScriptEvent) -> None:
    if not _has_trail(conn):
        return
    target = f"{ev.script_id}@{ev.number}" if ev.number is not None else ev.script_id
    before = {"status": ev.from_status} if ev.from_status else None
    after = {"status": ev.to_status, "comment": ev.comment} if ev.to_status or ev.comment else None
    record(conn, f"script.{ev.action}", "script", target, before=before, after=after,
           actor=Actor(ev.actor, current_actor().address))


if not event.contains(ScriptEvent, "after_insert", _script_event):
    event.listen(ScriptEvent, "after_insert", _script_event)
