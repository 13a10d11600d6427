"""``huashu demo`` end to end, as a user runs it: headless with --json, twice; and the web mode."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result

from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def _demo(data_dir: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HUASHU_DATA_DIR=str(data_dir))
    return subprocess.run([sys.executable, "-m", "huashu", "demo", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _in_process(monkeypatch: pytest.MonkeyPatch, data_dir: Path, *args: str) -> Result:
    """``huashu <args>`` in this process on ``data_dir`` (stdout and stderr apart): the steps that
    are not about starting the program save its second or two of imports."""
    from huashu.cli import cli
    from huashu.core.config import get_settings

    monkeypatch.setenv("HUASHU_DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        get_settings.cache_clear()


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as c:
        return int(c.execute(sql).fetchone()[0])


# slow: the whole program as a user starts it (its imports, a 300-customer base, the reference
# templates rendered by espeak, the lab gate's attack, the campaign): the fast lane's longest test
@pytest.mark.slow
def test_headless_json_report_matches_the_attempts_and_a_rerun_duplicates_nothing(tmp_path, monkeypatch):
    # The hold-out group is drawn by hash with a random salt: at the default 10% the ~29 target
    # customers of a 300-customer demo left it empty about one run in twenty (no control arm in
    # the report). 30% makes an empty group a one-in-30,000 event.
    control = _in_process(monkeypatch, tmp_path, "audience", "control", "--fraction", "0.3")
    assert control.exit_code == 0, control.output
    first = _demo(tmp_path, "--headless", "--customers", "300", "--json")
    assert first.returncode == 0, first.stderr
    out = json.loads(first.stdout)
    db = tmp_path / "huashu.db"
    report, prog = out["report"], out["progress"]

    # the campaign ran to its end and the report counts exactly the attempts in the database
    tid = out["task_id"]
    assert _count(db, f"SELECT count(*) FROM campaign_task WHERE id={tid} AND status='completed'") == 1
    attempts = _count(db, f"SELECT count(*) FROM campaign_attempt WHERE task_id={tid}")
    connected = _count(db, f"SELECT count(*) FROM campaign_attempt WHERE task_id={tid} AND outcome='connected'")
    assert attempts > 0 and prog["attempts"] == attempts
    assert report["summary"]["attempts"] == attempts
    assert report["summary"]["connected"] == connected
    assert sum(o["calls"] for o in report["outcomes"]) == attempts
    assert sum(s["attempts"] for s in report["slots"]) == attempts
    # virtual day: every call falls in the calling windows 09:00-12:00, 13:30-21:00 (local)
    for s in report["slots"]:
        h, m = map(int, s["label"][:5].split(":"))
        assert (9 * 60 <= h * 60 + m < 12 * 60) or (13 * 60 + 30 <= h * 60 + m < 21 * 60), s["label"]
    # table-2 shape: not connected + connected = every called customer
    rows = {r["label"].split()[0]: r for r in report["outcome_table"]}
    assert len(report["outcome_table"]) == 5
    assert rows["未接通"]["customers"] + rows["接通"]["customers"] == out["loaded"]["treated"]
    # control group: both arms present, sizes as loaded, with an interval
    ctl = report["control"]
    assert ctl["a"]["n"] == out["loaded"]["treated"] and ctl["b"]["n"] == out["loaded"]["control"]
    assert ctl["recharge_rate"]["ci_low"] <= ctl["recharge_rate"]["difference"] <= ctl["recharge_rate"]["ci_high"]
    # the held-out customers were never queued
    numbers = _count(db, f"SELECT count(*) FROM campaign_job WHERE task_id={tid}")
    assert numbers == out["loaded"]["treated"]
    # users: a generated admin password, one user per role
    accounts = {a["username"]: a for a in out["accounts"]}
    assert set(accounts) == {"admin", "designer", "reviewer", "operator"}
    assert all(a["password"] and len(a["password"]) >= 12 for a in accounts.values())

    # the first run is the real program; the rerun, about what it reuses, runs in this process
    second = _in_process(monkeypatch, tmp_path, "demo", "--headless", "--customers", "300", "--json")
    assert second.exit_code == 0, second.stderr
    again = json.loads(second.stdout)
    assert again["task_id"] == tid
    assert all(a["password"] is None for a in again["accounts"])  # never printed twice
    assert "6 already in the store" in second.stderr
    assert _count(db, "SELECT count(*) FROM campaign_task") == 1
    assert _count(db, "SELECT count(*) FROM script") == 6
    assert _count(db, "SELECT count(*) FROM script_version") == 6
    assert _count(db, "SELECT count(*) FROM web_user") == 4
    assert _count(db, f"SELECT count(*) FROM campaign_attempt WHERE task_id={tid}") == attempts
    assert again["report"]["summary"]["attempts"] == attempts


def test_json_without_headless_is_a_usage_error(tmp_path, monkeypatch):
    res = _in_process(monkeypatch, tmp_path, "demo", "--json")
    assert res.exit_code == 2 and "--json needs --headless" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.slow  # the demo's web server in its own process and a campaign to its end
def test_web_mode_serves_login_and_the_task_list_and_start_dials(tmp_path):
    port = free_port()
    env = dict(os.environ, HUASHU_DATA_DIR=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-m", "huashu", "demo", "--customers", "200", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        lines: list[str] = []
        assert proc.stdout is not None
        while not any("Ctrl-C" in ln for ln in lines):
            line = proc.stdout.readline()
            assert line, f"demo exited early: {proc.stderr.read() if proc.stderr else ''}"
            lines.append(line)
        text = "".join(lines)
        m = re.search(r"user 'operator'\s+password (\S+)", text)
        assert m, text
        with httpx.Client(base_url=base, timeout=5) as client:
            deadline = time.time() + 30
            while True:
                try:
                    page = client.get("/login")
                    break
                except httpx.TransportError:
                    assert time.time() < deadline, "the web app did not come up"
                    time.sleep(0.2)
            assert page.status_code == 200 and "password" in page.text
            token = client.cookies.get("huashu_csrf") or re.search(r'name="csrf-token" content="([^"]+)"', page.text)[1]
            r = client.post("/login", data={"username": "operator", "password": m[1], "next": "/operator/tasks",
                                            "_csrf_token": token}, follow_redirects=True)
            assert r.status_code == 200
            tasks = client.get("/operator/tasks")
            assert tasks.status_code == 200 and "演示" in tasks.text
            # the operator presses start: the runtime node in the demo process dials the simulator
            tid = int(re.search(r"press start on task (\d+)", text)[1])
            token = client.cookies.get("huashu_csrf") or token
            r = client.post(f"/operator/tasks/{tid}/start", headers={"x-csrftoken": token, "accept": "application/json"})
            assert r.status_code in (200, 201), r.text
            done = ""
            while "completed" not in done:
                done = proc.stdout.readline()
                assert done, f"demo exited: {proc.stderr.read() if proc.stderr else ''}"
            assert re.search(rf"task {tid} completed: [1-9][0-9,]* calls loaded", done), done
        db = tmp_path / "huashu.db"
        assert _count(db, f"SELECT count(*) FROM campaign_task WHERE id={tid} AND status='completed'") == 1
        assert _count(db, f"SELECT count(*) FROM campaign_attempt WHERE task_id={tid}") > 0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode in (0, -15), proc.returncode
