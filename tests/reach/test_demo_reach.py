"""``huashu demo`` dials with a local caller-id pool and SMS rules: every attempt shows a pool
number (mostly same-city), the JSON report has the answer rate by locality, and the simulator's
SMS sink took every follow-up (nothing left in the outbox)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow  # 15-35 s on an idle 2-core machine: `make test` runs it
def test_demo_uses_a_local_pool_and_sends_follow_ups(tmp_path: Path) -> None:
    env = dict(os.environ, HUASHU_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "huashu", "demo", "--headless", "--customers", "600", "--json"], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    by_rule = {x["rule"]: x for x in out["caller_ids"]}
    with sqlite3.connect(tmp_path / "huashu.db") as c:
        attempts = c.execute("SELECT count(*), count(caller_id) FROM campaign_attempt WHERE state = 'ended'").fetchone()
        rules = c.execute("SELECT count(*) FROM sms_rule").fetchone()[0]
        msgs = dict(c.execute("SELECT state, count(*) FROM sms_message GROUP BY state").fetchall())
        pool = c.execute("SELECT count(*) FROM callerid_number").fetchone()[0]
    assert attempts[0] > 0 and attempts[0] == attempts[1]  # every call showed a pool number
    assert sum(x["attempts"] for x in by_rule.values()) == attempts[0]
    assert by_rule["city"]["attempts"] > attempts[0] / 2 and pool > 10
    assert rules == 2
    assert out["sms"]["queued"] == out["sms"]["sending"] == 0
    assert {k: v for k, v in out["sms"].items() if v} == msgs
