"""A campaign through the real FreeSWITCH survives the switch restarting and the runtime being
killed with -9 in the middle: every number is dialled exactly once (no redials configured),
every attempt ends with an outcome (none left "up"), and the calls after the restart connect."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from runtime.campaigns import tables as T
from runtime.campaigns.database import make_engine
from tests.freeswitch.switch import Switch
from tests.freeswitch.test_fs_campaign import _carrier, _env, _task
from tests.integration.test_integ_campaign_over_sip import _approved_db

pytestmark = [pytest.mark.freeswitch, pytest.mark.sipp, pytest.mark.audio, pytest.mark.slow, pytest.mark.timeout(240)]

N = 60


def _run(url: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "huashu", "runtime", "run", "--db", url, "--once", "--node-id",
                             "fs-node", "--json", "--log-format", "text", "--lease", "5"],
                            env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))


def _attempts(url: str) -> tuple[list[tuple[str, str | None, str]], dict[str, int]]:
    engine = make_engine(url)
    with engine.connect() as c:
        rows = [tuple(r) for r in c.execute(select(T.attempts.c.phone, T.attempts.c.outcome, T.attempts.c.state))]
        per = dict(c.execute(select(T.attempts.c.phone, func.count()).group_by(T.attempts.c.phone)).all())
    engine.dispose()
    return rows, per  # type: ignore[return-value]


def _wait_for_attempts(url: str, n: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if len(_attempts(url)[0]) >= n:
            return
        time.sleep(0.3)
    raise AssertionError(f"fewer than {n} attempts after {timeout_s} s")


def _setup(switch: Switch, tmp_path: Path) -> tuple[str, dict[str, str], subprocess.Popen[bytes]]:
    pytest.importorskip("faster_whisper")
    url = f"sqlite:///{tmp_path / 'h.db'}"
    _approved_db(url)
    env = _env(tmp_path, switch)
    _task(url, tmp_path, env, n=N, cps="4")
    sipp, port = _carrier(tmp_path, hold_ms="2500")
    switch.point_gateway(port)
    return url, env, sipp


def _check(url: str) -> list[tuple[str, str | None, str]]:
    rows, per = _attempts(url)
    assert len(per) == N and all(n == 1 for n in per.values()), {p: n for p, n in per.items() if n != 1}
    assert all(state != "up" and outcome for _, outcome, state in rows), [r for r in rows if r[2] == "up" or not r[1]]
    return rows


def test_switch_restarted_mid_campaign(switch: Switch, tmp_path: Path) -> None:
    url, env, sipp = _setup(switch, tmp_path)
    log = tmp_path / "runtime.log"
    try:
        node = _run(url, env, log)
        _wait_for_attempts(url, 12)
        switch.kill()  # a crash: no hangups, the socket just drops
        switch.start()
        assert node.wait(180) == 0, log.read_text()[-3000:]
    finally:
        sipp.kill()
        sipp.wait()
    rows = _check(url)
    text = log.read_text()
    assert "Event Socket" in text and "lost" in text  # the driver saw the drop and reconnected
    engine = make_engine(url)
    with engine.connect() as c:
        causes = [r[0] for r in c.execute(select(T.attempts.c.cause))]
    engine.dispose()
    # The calls up at the crash: after reconnecting, the driver found them gone (uuid_exists)
    # and ended each one; none waits for an event that will never come.
    assert causes.count("NORMAL_UNSPECIFIED") >= 1, causes
    last = sorted(rows)[-10:]
    assert sum(1 for _, o, _ in last if o in ("connected", "busy", "no_answer")) >= 8, last  # calls after it work


def test_runtime_killed_and_restarted_mid_campaign(switch: Switch, tmp_path: Path) -> None:
    url, env, sipp = _setup(switch, tmp_path)
    log = tmp_path / "runtime.log"
    try:
        node = _run(url, env, log)
        _wait_for_attempts(url, 12)
        os.kill(node.pid, signal.SIGKILL)
        node.wait(10)
        up = [r for r in _attempts(url)[0] if r[2] == "up"]
        again = _run(url, env, tmp_path / "runtime2.log")
        assert again.wait(180) == 0, (tmp_path / "runtime2.log").read_text()[-3000:]
    finally:
        sipp.kill()
        sipp.wait()
    rows = _check(url)
    assert up, "the kill should have caught calls up"
    states = {p: s for p, _, s in rows}
    assert all(states[p] == "interrupted" for p, _, _ in up), [(p, states[p]) for p, _, _ in up]
