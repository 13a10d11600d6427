"""Exactly once across crashes and nodes: two sender processes are killed with SIGKILL again and
again while they hand messages to a real Kannel. Afterwards every message is in a final state,
none reached the SMSC twice, every one marked sent reached it, and only messages a killed node
held in ``sending`` are ``failed`` as unknown (not resent: at most once)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from runtime.campaigns.clock import utcnow
from runtime.campaigns.sms.outbox import SmsSender
from runtime.campaigns.sms.providers import KannelProvider
from runtime.campaigns.sms.rules import CallFacts, enqueue_in
from runtime.campaigns.sms.store import RuleIn, add_rule, messages
from tests.support.reach_kannel import kannel
from tests.support.scripts import running_task

N = 40


@pytest.mark.slow  # 15-35 s on an idle 2-core machine: `make test` runs it
@pytest.mark.kannel
def test_no_message_twice_after_kill_9(tmp_path) -> None:
    from huashu.core.db import init_db, make_engine

    url = f"sqlite:///{tmp_path / 'sms.db'}"
    engine = make_engine(url)
    init_db(engine)
    tid = running_task(engine)
    add_rule(engine, tid, RuleIn("r", "msg ${customer_id}", outcome="connected"))
    for i in range(N):
        for _ in range(2):  # every call's end stored twice: still one message
            with engine.begin() as conn:
                enqueue_in(conn, task_id=tid, attempt_id=i + 1, phone=f"+86139123{i:05d}",
                           facts=CallFacts("connected", None, None, 1), variables={"customer_id": f"m{i}"}, now=utcnow())
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    with kannel(tmp_path) as k:
        killed = 0
        for round_ in range(6):
            procs = [subprocess.Popen([sys.executable, "-m", "tests.support.reach_sms_worker", url, k.sendsms_url,
                                       k.username, k.password, f"n{w}"], env=env, stdout=subprocess.PIPE)
                     for w in (1, 2)]
            for p in procs:
                assert p.stdout is not None and p.stdout.readline().strip() == b"ready"
            time.sleep(0.05 + 0.07 * round_)
            for p in procs:
                os.kill(p.pid, signal.SIGKILL)
                p.wait(5)
                killed += 1
        time.sleep(1.2)  # leases (1 s) of the killed nodes run out
        final = SmsSender(engine, KannelProvider(k.sendsms_url, k.username, k.password, "10690000"), "final")
        for _ in range(50):
            final.step()
            states = Counter(m["state"] for m in messages(engine, task_id=tid))
            if not states["queued"] and not states["sending"]:
                break
            time.sleep(0.1)
        time.sleep(1.5)  # Kannel hands the last ones to the SMSC
        got = Counter(text for _, text in k.received())
    rows = messages(engine, task_id=tid)
    assert len(rows) == N and killed == 12
    assert set(Counter(m["state"] for m in rows)) <= {"sent", "failed"}
    assert max(got.values()) == 1, "a message reached the SMSC twice"
    for m in rows:
        if m["state"] == "sent":
            assert got[m["text"]] == 1, m
        else:
            assert m["error"].startswith("unknown:"), m
    assert sum(1 for m in rows if m["state"] == "sent") >= N - killed
