"""A campaign through the real FreeSWITCH: ``huashu runtime run --once`` with
``HUASHU_TELEPHONY_DRIVER=freeswitch`` dials a 200-number task through the switch and its
carrier gateway to sipp customers (by last digit: 1 busy, 2 unavailable, else answer and
leave after the greeting). Every number is dialled exactly once (no redials configured) and
every attempt has the outcome its customer gave."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from runtime.campaigns import tables as T
from runtime.campaigns.database import make_engine
from tests.freeswitch.rig import FS_SCENARIOS
from tests.freeswitch.switch import Switch
from tests.integration.test_integ_campaign_over_sip import DOC, _approved_db
from tests.support.ports import free_port

pytestmark = [pytest.mark.freeswitch, pytest.mark.sipp, pytest.mark.audio, pytest.mark.slow, pytest.mark.timeout(240)]

N = int(os.environ.get("HUASHU_FS_CAMPAIGN_N", "200"))
N_HOLD_MS = "1500"


def _cli(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "huashu", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def _env(tmp_path: Path, switch: Switch) -> dict[str, str]:
    media = free_port()
    return {**os.environ, "HUASHU_DATA_DIR": str(tmp_path / "var"), "HUASHU_TELEPHONY_DRIVER": "freeswitch",
            "HUASHU_FREESWITCH__PORT": str(switch.esl_port), "HUASHU_FREESWITCH__PASSWORD": switch.esl_password,
            "HUASHU_FREESWITCH__MEDIA_ENDPOINT": f"huashu@127.0.0.1:{media}",
            "HUASHU_FREESWITCH__MEDIA_LISTEN_PORT": str(media),
            "HUASHU_SPEECH__ASR_PROVIDER": "whisper", "HUASHU_SPEECH__TTS_PROVIDER": "espeak",
            "HUASHU_SPEECH__TTS_FALLBACKS": "[]", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}


def _task(url: str, tmp_path: Path, env: dict[str, str], n: int = N, cps: str = "20") -> int:
    lst = tmp_path / "list.csv"
    lst.write_text("phone\n" + "".join(f"1380000{i:04d}\n" for i in range(n)), encoding="utf-8")
    out = _cli(["campaign", "--db", url, "create", "--name", "fs", "--business", "plan", "--script", DOC["id"],
                "--file", str(lst), "--windows", "", "--redial", "0", "--max-concurrent", "60", "--cps", cps, "--json"], env)
    assert out.returncode == 0, out.stderr
    tid = int(json.loads(out.stdout)["id"])
    assert _cli(["campaign", "--db", url, "start", str(tid)], env).returncode == 0
    return tid


def _carrier(tmp_path: Path, hold_ms: str = N_HOLD_MS) -> tuple[subprocess.Popen[bytes], int]:
    """sipp answering for every customer of the list (a plain process: it outlives event loops)."""
    import time

    port, media = free_port(), free_port(even=True)
    scenario = tmp_path / "mix.xml"
    scenario.write_text((FS_SCENARIOS / "uas_campaign_mix.xml").read_text().replace("[hold_ms]", hold_ms))
    proc = subprocess.Popen(["sipp", "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(port), "-mi", "127.0.0.1",
                             "-mp", str(media), "-m", str(10 * N), "-l", str(N), "-nostdin", "-trace_err",
                             "-error_file", str(tmp_path / "sipp-errors.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    time.sleep(0.5)
    assert proc.poll() is None, "sipp did not start"
    return proc, port


def _expected(phone: str) -> str:
    return {"1": "busy", "2": "no_answer"}.get(phone[-1], "connected")


def test_200_number_campaign_through_freeswitch(switch: Switch, tmp_path: Path) -> None:
    pytest.importorskip("faster_whisper")
    url = f"sqlite:///{tmp_path / 'h.db'}"
    _approved_db(url)
    env = _env(tmp_path, switch)
    _task(url, tmp_path, env)
    sipp = _carrier(tmp_path)
    try:
        switch.point_gateway(sipp[1])
        res = _cli(["runtime", "run", "--db", url, "--once", "--node-id", "fs-node", "--json",
                    "--log-format", "text"], env, timeout=200)
        (tmp_path / "runtime.log").write_text(res.stderr)
        assert res.returncode == 0, res.stderr[-3000:]
        summary = json.loads(res.stdout.strip().splitlines()[-1])
        assert summary["calls_started"] == N, summary
    finally:
        sipp[0].kill()
        sipp[0].wait()

    engine = make_engine(url)
    with engine.connect() as c:
        rows = c.execute(select(T.attempts.c.phone, T.attempts.c.outcome)).all()
        per_phone = c.execute(select(T.attempts.c.phone, func.count()).group_by(T.attempts.c.phone)).all()
    engine.dispose()
    assert len(rows) == N and all(n == 1 for _, n in per_phone), Counter(n for _, n in per_phone)
    wrong = [(p, o) for p, o in rows if o != _expected(p)]
    assert not wrong, (Counter(o for _, o in rows), wrong[:10])
    assert "Throttle Error" not in switch.log_text()
