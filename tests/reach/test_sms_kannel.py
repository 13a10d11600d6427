"""SMS through a real Kannel (bearerbox + smsbox, Debian ``kannel``) and its test SMSC (``fakesmsc``):
the text arrives as UCS-2 exactly as rendered, and Kannel's delivery report (``dlr-url``) moves
the message to ``delivered`` through the node's listener; a forged report is refused."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import pytest

from runtime.campaigns.clock import utcnow
from runtime.campaigns.sms.dlr import DlrServer
from runtime.campaigns.sms.outbox import SmsSender
from runtime.campaigns.sms.providers import KannelProvider
from runtime.campaigns.sms.rules import CallFacts, enqueue_in
from runtime.campaigns.sms.store import RuleIn, add_rule, messages
from tests.support.reach_kannel import kannel
from tests.support.scripts import running_task

SECRET = "test-secret"


@pytest.mark.kannel
def test_sms_through_kannel_with_a_delivery_report(sqlite_engine, tmp_path) -> None:
    engine = sqlite_engine
    tid = running_task(engine)
    text = "${name}您好，您的充值已到账，电子回单：https://example.cn/r/${customer_id}"
    add_rule(engine, tid, RuleIn("receipt", text, intent="已充值"))
    with engine.begin() as conn:
        enqueue_in(conn, task_id=tid, attempt_id=1, phone="+8613912345678", facts=CallFacts("connected", "已充值", "success", 1),
                   variables={"name": "张三", "customer_id": "c42"}, now=utcnow())
    dlr = DlrServer(engine, SECRET).start()
    try:
        with kannel(tmp_path) as k:
            provider = KannelProvider(k.sendsms_url, k.username, k.password, "10690000", dlr.url, SECRET)
            assert SmsSender(engine, provider, "n1").step() == 1
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and messages(engine, task_id=tid)[0]["state"] != "delivered":
                time.sleep(0.1)
            msg = messages(engine, task_id=tid)[0]
            assert msg["state"] == "delivered", (msg, (tmp_path / "bearerbox.log").read_text()[-2000:])
            assert k.received() == [("+8613912345678", "张三您好，您的充值已到账，电子回单：https://example.cn/r/c42")]
            assert msg["segments"] == 1 and msg["provider"] == "kannel"
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"{dlr.url}?id={msg['id']}&token=forged&status=2", timeout=5)
        assert e.value.code == 403
        assert messages(engine, task_id=tid)[0]["state"] == "delivered"
    finally:
        dlr.stop()
