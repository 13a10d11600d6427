"""Two nodes draining one outbox at once (threads; SQLite and PostgreSQL's SKIP LOCKED claim):
every message goes to the gateway exactly once; a gateway that cannot be reached leaves the
message queued for a later try; a node lost mid-send leaves it failed as unknown, not resent."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import update

from runtime.campaigns.clock import utcnow
from runtime.campaigns.sms.outbox import SmsSender, recover_sending
from runtime.campaigns.sms.providers import OutMessage, SendResult
from runtime.campaigns.sms.rules import CallFacts, enqueue_in, messages_t
from runtime.campaigns.sms.store import RuleIn, add_rule, messages
from tests.support.scripts import running_task


class Count:
    name = "count"

    def __init__(self, status: str = "accepted") -> None:
        self.status = status
        self.seen: Counter[int] = Counter()
        self.lock = threading.Lock()

    def send(self, msg: OutMessage) -> SendResult:
        with self.lock:
            self.seen[msg.id] += 1
        return SendResult(self.status, detail="test")


def _queue(engine, n: int) -> int:
    tid = running_task(engine)
    add_rule(engine, tid, RuleIn("r", "msg ${customer_id}", outcome="connected"))
    for i in range(n):
        with engine.begin() as conn:
            enqueue_in(conn, task_id=tid, attempt_id=i + 1, phone=f"+86139123{i:05d}",
                       facts=CallFacts("connected", None, None, 1), variables={"customer_id": str(i)}, now=utcnow())
    return tid


def test_two_nodes_send_each_message_once(engine) -> None:
    tid = _queue(engine, 30)
    gw = Count()
    senders = [SmsSender(engine, gw, f"n{k}", batch=3) for k in (1, 2)]

    def drain(s: SmsSender) -> None:
        for _ in range(40):
            s.step()

    threads = [threading.Thread(target=drain, args=(s,)) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(gw.seen) == 30 and set(gw.seen.values()) == {1}
    assert {m["state"] for m in messages(engine, task_id=tid)} == {"sent"}


def test_unreachable_gateway_retries_later_and_lost_sends_are_not_resent(engine) -> None:
    tid = _queue(engine, 2)
    down = Count("unsent")
    SmsSender(engine, down, "n1").step()
    assert {m["state"] for m in messages(engine, task_id=tid)} == {"queued"}
    assert SmsSender(engine, Count(), "n1").step() == 0  # not before the retry delay
    with engine.begin() as conn:  # a node took one and died mid-send
        conn.execute(update(messages_t).where(messages_t.c.attempt_id == 1).values(
            state="sending", lease_node="dead", lease_until=utcnow() - timedelta(seconds=1)))
    assert recover_sending(engine, idempotent=False) == 1
    lost = [m for m in messages(engine, task_id=tid) if m["attempt_id"] == 1][0]
    assert lost["state"] == "failed" and lost["error"].startswith("unknown:")


class ReportsFirst:
    """A gateway so fast that its delivery report lands before ``send`` returns."""

    name = "fast"

    def __init__(self, engine) -> None:
        self.engine = engine

    def send(self, msg: OutMessage) -> SendResult:
        from runtime.campaigns.sms.outbox import apply_dlr
        from runtime.campaigns.sms.providers import dlr_token

        assert apply_dlr(self.engine, "s", msg.id, dlr_token("s", msg.id), "1") == "delivered"
        return SendResult("accepted", ref=f"ref-{msg.id}", detail="test")


def test_a_report_that_comes_before_the_send_returns_keeps_the_send_facts(engine) -> None:
    """The report moves ``sending`` straight to ``delivered``; the send's provider, reference and
    time are still recorded (they were lost, and a Kannel test failed now and then on it)."""
    tid = _queue(engine, 2)
    assert SmsSender(engine, ReportsFirst(engine), "n1").step() == 2
    got = messages(engine, task_id=tid)
    assert [m["state"] for m in got] == ["delivered", "delivered"]
    assert all(m["provider"] == "fast" and m["provider_ref"] == f"ref-{m['id']}" and m["sent_at"] for m in got), got
