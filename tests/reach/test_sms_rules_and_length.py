"""SMS follow-up rules: the conditions (intent label or category, outcome, attempt count), the
template with the job's variables, Chinese length rules (70 / 67), one message per rule and call
however often a call's end is stored, opt-out and blacklist applied before sending."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from runtime.campaigns.blacklist import add
from runtime.campaigns.claims import CallReport
from runtime.campaigns.clock import utcnow
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.node import RuntimeNode
from runtime.campaigns.sms.outbox import SmsSender
from runtime.campaigns.sms.providers import OutMessage, SendResult
from runtime.campaigns.sms.rules import CallFacts, enqueue_in, matches, messages_t, render
from runtime.campaigns.sms.segments import measure
from runtime.campaigns.sms.store import RuleError, RuleIn, add_rule, messages, summary
from tests.support.scripts import rows, running_task


@pytest.mark.offline
def test_length_rules_70_single_67_concatenated() -> None:
    assert measure("您" * 70) == ("ucs2", 70, 1, 70)
    assert measure("您" * 71) == ("ucs2", 71, 2, 67)
    assert measure("您" * 134).segments == 2 and measure("您" * 135).segments == 3
    assert measure("a" * 160).segments == 1 and measure("a" * 161) == ("gsm7", 161, 2, 153)
    assert measure("a€").units == 3  # the euro sign takes an escape
    assert measure("😀").units == 2  # outside the BMP: two UCS-2 units
    assert measure("").segments == 0


@pytest.mark.offline
def test_conditions_and_template() -> None:
    paid = CallFacts("connected", "已充值", "success", 1)
    assert matches({"intent": "已充值"}, paid) and matches({"intent": "success"}, paid)
    assert not matches({"intent": "再考虑"}, paid)
    assert matches({"outcome": "no_answer", "attempts": 2}, CallFacts("no_answer", None, None, 2))
    assert not matches({"outcome": "no_answer", "attempts": 2}, CallFacts("no_answer", None, None, 1))
    assert not matches({"outcome": "connected", "enabled": False}, paid)
    assert render("${name}您好，欠费${amount}元", {"name": "张三", "amount": 12}) == "张三您好，欠费12元"
    with pytest.raises(ValueError, match="no value for variable"):
        render("${link}", {})


@pytest.mark.offline
def test_rule_fields_are_checked_with_messages(sqlite_engine) -> None:
    tid = running_task(sqlite_engine)
    with pytest.raises(RuleError, match="at least one condition"):
        add_rule(sqlite_engine, tid, RuleIn("r", "hi"))
    with pytest.raises(RuleError, match="outcome: 'nope'"):
        add_rule(sqlite_engine, tid, RuleIn("r", "hi", outcome="nope"))
    with pytest.raises(RuleError, match="template: at most"):
        add_rule(sqlite_engine, tid, RuleIn("r", "您" * 501, outcome="connected"))
    with pytest.raises(RuleError, match="no task"):
        add_rule(sqlite_engine, 999, RuleIn("r", "hi", outcome="connected"))
    r = add_rule(sqlite_engine, tid, RuleIn("receipt", "您" * 71, intent="已充值"))
    assert r["length"]["segments"] == 2 and r["length"]["per_segment"] == 67


def test_one_message_per_rule_and_call(engine) -> None:
    tid = running_task(engine)
    add_rule(engine, tid, RuleIn("recharge link", "${name}，充值链接 https://x.cn/r", outcome="connected"))
    facts = CallFacts("connected", None, None, 1)
    for _ in range(3):  # the same call's end stored three times (two nodes, a retry after a crash)
        with engine.begin() as conn:
            enqueue_in(conn, task_id=tid, attempt_id=7, phone="+8613912345678", facts=facts,
                       variables={"name": "张三"}, now=utcnow())
    with engine.connect() as c:
        got = c.execute(select(messages_t.c.text, messages_t.c.state)).all()
    assert got == [("张三，充值链接 https://x.cn/r", "queued")]


class Collect:
    name = "collect"

    def __init__(self) -> None:
        self.sent: list[OutMessage] = []

    def send(self, msg: OutMessage) -> SendResult:
        self.sent.append(msg)
        return SendResult("accepted", ref=f"c{msg.id}")


def test_calls_queue_follow_ups_and_opt_out_and_blacklist_stop_them(sqlite_engine) -> None:
    engine = sqlite_engine
    tid = running_task(engine, calls_per_second=1000)
    add_rule(engine, tid, RuleIn("thanks", "${name}您好，感谢接听", outcome="connected"))
    add_rule(engine, tid, RuleIn("no answer", "未接通，稍后再联系", outcome="no_answer"))
    add_numbers(engine, tid, rows(["13912340001", "13912340002", "13912340003", "13912340004"]))
    add(engine, "13912340003", 0, reason="manual")  # blacklisted after it was queued: never called
    # 0001 connected, 0002 no answer, 0003 blacklisted -> not called, 0004 connected but opts out

    async def runner(req):  # noqa: ANN001, ANN202
        if req.phone.endswith("2"):
            return CallReport(outcome="no_answer")
        return CallReport(outcome="connected", talk_ms=9000, opt_out=req.phone.endswith("4"))

    sink = Collect()
    node = RuntimeNode(engine, runner, lambda task, errors: [], node_id="n1", lease_s=5,
                       sms=SmsSender(engine, sink, "n1"))
    asyncio.run(node.run(asyncio.Event(), once=True, tick=0.005))
    assert sorted((m.phone, m.text) for m in sink.sent) == [
        ("+8613912340001", "n0您好，感谢接听"), ("+8613912340002", "未接通，稍后再联系")]
    by_phone = {m["phone"]: m for m in messages(engine, task_id=tid)}
    assert by_phone["+8613912340004"]["state"] == "failed" and by_phone["+8613912340004"]["error"] == "blacklisted"
    assert by_phone["+8613912340001"]["state"] == "sent" and by_phone["+8613912340001"]["rule"] == "thanks"
    assert summary(engine, tid) == {"queued": 0, "sending": 0, "sent": 2, "delivered": 0, "failed": 1}
