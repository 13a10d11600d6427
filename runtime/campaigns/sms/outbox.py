"""The SMS outbox: claim queued messages with a lease, send, record; recovery; delivery reports.

A message moves ``queued -> sending -> sent -> delivered`` (or ``failed`` with the reason).
``sending`` is committed *before* the gateway is called. If the node dies after that, nobody
knows whether the gateway took the message: for a gateway without idempotency keys (Kannel)
recovery marks it ``failed`` ("unknown") instead of sending it again — at most once — and a
late delivery report still moves it to ``delivered``; for a provider that honours an
idempotency key (the HTTP provider sends ``Idempotency-Key``) recovery queues it again.
Together with the unique (rule, call) key this gives exactly once wherever the gateway can
say so, and never twice. Opt-out and blacklist are checked again just before sending.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement

from huashu.core.errors import UserError
from runtime.campaigns.claims import load_sets_for
from runtime.campaigns.clock import utcnow
from runtime.campaigns.sms.providers import OutMessage, SmsProvider, dlr_token
from runtime.campaigns.sms.rules import messages_t as M

__all__ = ["SmsSender", "apply_dlr", "recover_sending", "DLR_STATES", "RETRY_S"]

_log = logging.getLogger(__name__)

#: a message the gateway could not be reached for waits this long before the next try
RETRY_S = 30.0
#: Kannel's ``%d`` report types (and the HTTP provider's words) -> our state
DLR_STATES: dict[str, str | None] = {"1": "delivered", "2": "failed", "16": "failed", "8": "sent", "4": None,
                                     "delivered": "delivered", "failed": "failed"}


def recover_sending(engine: Engine, idempotent: bool, now: datetime | None = None) -> int:
    """Messages left ``sending`` by a node whose lease ran out."""
    now = now or utcnow()
    lost = and_(M.c.state == "sending", M.c.lease_until < now)
    with engine.begin() as conn:
        if idempotent:
            res = conn.execute(update(M).where(lost).values(state="queued", lease_node=None, lease_until=None))
        else:
            res = conn.execute(update(M).where(lost).values(
                state="failed", lease_node=None, lease_until=None, done_at=now,
                error="unknown: the node was lost while handing it to the gateway; not resent (at most once)"))
        return int(res.rowcount or 0)


def _claim(engine: Engine, node_id: str, limit: int, lease_s: float, now: datetime) -> list[OutMessage]:
    due = and_(M.c.state == "queued", or_(M.c.lease_until.is_(None), M.c.lease_until <= now))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            ids = [r[0] for r in conn.execute(select(M.c.id).where(due).order_by(M.c.id).limit(limit)
                                              .with_for_update(skip_locked=True))]
            if not ids:
                return []
            rows = conn.execute(update(M).where(M.c.id.in_(ids), M.c.state == "queued")
                                .values(state="sending", lease_node=node_id, lease_until=now + timedelta(seconds=lease_s))
                                .returning(M.c.id, M.c.phone, M.c.text, M.c.task_id)).all()
        else:
            sub = select(M.c.id).where(due).order_by(M.c.id).limit(limit).scalar_subquery()
            rows = conn.execute(update(M).where(M.c.id.in_(sub), M.c.state == "queued")
                                .values(state="sending", lease_node=node_id, lease_until=now + timedelta(seconds=lease_s))
                                .returning(M.c.id, M.c.phone, M.c.text, M.c.task_id)).all()
        out = []
        for r in rows:
            g, t = load_sets_for(conn, int(r.task_id), r.phone)
            if g or t:
                conn.execute(update(M).where(M.c.id == r.id).values(
                    state="failed", lease_node=None, lease_until=None, done_at=now,
                    error="blacklisted" if g else "blacklisted for this task"))
                continue
            out.append(OutMessage(int(r.id), r.phone, r.text))
        return out


@dataclass
class SmsSender:
    engine: Engine
    provider: SmsProvider
    node_id: str
    lease_s: float = 60.0
    batch: int = 20
    idempotent: bool = False

    def step(self, now: datetime | None = None) -> int:
        """Recover, claim a batch, send it. Returns messages handed to the gateway."""
        now = now or utcnow()
        recover_sending(self.engine, self.idempotent, now)
        sent = 0
        for msg in _claim(self.engine, self.node_id, self.batch, self.lease_s, now):
            res = self.provider.send(msg)
            mine = and_(M.c.id == msg.id, M.c.state == "sending", M.c.lease_node == self.node_id)
            with self.engine.begin() as conn:
                if res.status == "accepted":
                    facts = {"provider": self.provider.name, "provider_ref": res.ref, "sent_at": utcnow(), "lease_until": None}
                    if not conn.execute(update(M).where(mine).values(state="sent", **facts)).rowcount:
                        # its delivery report came first (a fast gateway): the state has moved on, the
                        # facts of the send are still ours to record
                        conn.execute(update(M).where(M.c.id == msg.id, M.c.lease_node == self.node_id).values(**facts))
                    sent += 1
                elif res.status == "unsent" or (res.status == "unknown" and self.idempotent):
                    conn.execute(update(M).where(mine).values(state="queued", lease_node=None, error=res.detail,
                                                              lease_until=utcnow() + timedelta(seconds=RETRY_S)))
                else:
                    why = res.detail if res.status == "rejected" else f"unknown: {res.detail}; not resent (at most once)"
                    conn.execute(update(M).where(mine).values(state="failed", provider=self.provider.name, error=why,
                                                              done_at=utcnow(), lease_until=None))
        return sent

    def pending(self) -> int:
        with self.engine.connect() as conn:
            return len(conn.execute(select(M.c.id).where(M.c.state.in_(("queued", "sending"))).limit(1000)).all())

    async def run(self, stop: asyncio.Event, every_s: float = 0.5) -> None:
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.step)
            except Exception as e:  # a gateway or database hiccup must not stop the node's calls
                _log.warning("sms sender %s: %s", self.node_id, e)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_s)


def apply_dlr(engine: Engine, secret: str, message_id: int, token: str, status: str) -> str | None:
    """A delivery report for one message: the token must match; states only move forward. Returns
    the new state, or None when the report changes nothing. ValueError for a bad token or status."""
    import hmac

    if not hmac.compare_digest(dlr_token(secret, message_id), token or ""):
        raise UserError("delivery report: bad token")
    if status not in DLR_STATES:
        raise UserError(f"delivery report: unknown status {status[:20]!r}")
    new = DLR_STATES[status]
    if new is None:
        return None
    now = utcnow()
    allowed = {"sent": ("sending",), "delivered": ("sending", "sent", "failed"), "failed": ("sending", "sent")}[new]
    cond: ColumnElement[bool] = M.c.state.in_(allowed)
    if new == "delivered":  # a failure we decided ourselves ("unknown") may be settled by the gateway
        cond = or_(M.c.state.in_(("sending", "sent")), and_(M.c.state == "failed", M.c.error.like("unknown:%")))
    values: dict[str, object] = {"state": new}
    if new in ("delivered", "failed"):
        values["done_at"] = now
    if new == "failed":
        values["error"] = f"delivery report: not delivered (type {status})"
    with engine.begin() as conn:
        res = conn.execute(update(M).where(M.c.id == message_id, cond).values(**values))
    return new if res.rowcount else None
