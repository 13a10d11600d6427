"""A campaign dialled over the real SIP driver: ``huashu runtime run --once`` with
``HUASHU_TELEPHONY_DRIVER=sip`` places the call to sipp, which answers and says "yes" (a
piper voice as PCMU RTP); the bot (espeak prompts, VAD, Whisper, the dialog engine) confirms
and hangs up; the attempt is stored connected with the intent, and its stereo recording has
both parties."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from runtime.campaigns import tables as T
from runtime.campaigns.database import make_engine
from tests.support.ports import free_port
from tests.support.scripts import import_approved
from tests.telephony.test_call_session_over_sip import SCENARIO, _customer_audio

pytestmark = [
    pytest.mark.sipp,
    pytest.mark.audio,
    pytest.mark.slow,
    pytest.mark.timeout(180),
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng for the bot's prompts"),
]


DOC = {
    "format": "huashu.script/1", "id": "sip-campaign", "name": "plan offer over SIP", "language": "en-US",
    "settings": {"silence_timeout_ms": 4000, "max_consecutive_silences": 1, "barge_in": True},
    "start": "ask",
    "nodes": [
        {"id": "ask", "type": "say_listen", "prompt": {"text": "Hello, this is your mobile operator. "
                                                                "Would you like the new mobile plan?"},
         "branches": [{"id": "y", "when": {"intent": "affirm"}, "goto": "yes_end"},
                      {"id": "n", "when": {"intent": "deny"}, "goto": "no_end"},
                      {"id": "s", "when": {"event": "silence"}, "goto": "no_end"},
                      {"id": "m", "when": {"event": "no_match"}, "goto": "no_end"}]},
        {"id": "yes_end", "type": "end", "prompt": {"text": "Great, goodbye."}, "outcome": "ordered"},
        {"id": "no_end", "type": "end", "prompt": {"text": "Okay, goodbye."}, "outcome": "refused"},
    ],
    "intent_rules": [
        {"label": "ordered", "category": "success", "priority": 1, "when": {"outcome": "ordered"}},
        {"label": "refused", "category": "failure", "priority": 2, "when": {"outcome": "refused"}},
    ],
}


def _approved_db(url: str) -> None:
    from huashu.core.db import init_db

    engine = make_engine(url)
    init_db(engine)
    import_approved(engine, DOC, designer="d", reviewer="r")
    engine.dispose()


def _cli(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "huashu", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_runtime_node_dials_a_campaign_over_sip_and_records_it(tmp_path: Path) -> None:
    pytest.importorskip("faster_whisper")
    url = f"sqlite:///{tmp_path / 'h.db'}"
    _approved_db(url)
    port, media_port = free_port(), free_port(even=True)
    env = {**os.environ, "HUASHU_DATA_DIR": str(tmp_path / "var"), "HUASHU_TELEPHONY_DRIVER": "sip",
           "HUASHU_SIP__HOST": "127.0.0.1", "HUASHU_SIP__PORT": str(port),
           "HUASHU_SPEECH__ASR_PROVIDER": "whisper", "HUASHU_SPEECH__TTS_PROVIDER": "espeak",
           "HUASHU_SPEECH__TTS_FALLBACKS": "[]"}
    lst = tmp_path / "list.csv"
    lst.write_text("phone\n13800000001\n", encoding="utf-8")
    out = _cli(["campaign", "--db", url, "create", "--name", "sip", "--business", "plan", "--script", DOC["id"],
                "--file", str(lst), "--windows", "", "--json"], env)
    assert out.returncode == 0, out.stderr
    tid = json.loads(out.stdout)["id"]
    assert _cli(["campaign", "--db", url, "start", str(tid)], env).returncode == 0

    scenario = tmp_path / "scenario.xml"
    scenario.write_text(SCENARIO.read_text().replace("[audio]", str(_customer_audio(tmp_path))))
    sipp = subprocess.Popen(["sipp", "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(port), "-mi", "127.0.0.1",
                             "-mp", str(media_port), "-m", "1", "-timeout", "90s", "-timeout_error", "-nostdin"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
    try:
        time.sleep(0.5)
        res = _cli(["runtime", "run", "--db", url, "--once", "--node-id", "sip-node", "--json"], env, timeout=150)
        assert res.returncode == 0, res.stderr[-3000:]
        assert json.loads(res.stdout.strip().splitlines()[-1])["calls_started"] == 1
        assert sipp.wait(timeout=20) == 0  # sipp saw the whole call, ending with our BYE
    finally:
        if sipp.poll() is None:
            sipp.kill()

    engine = make_engine(url)
    with engine.connect() as c:
        row = c.execute(select(T.attempts.c.outcome, T.attempts.c.intent, T.attempts.c.recording,
                               T.attempts.c.record)).one()
    engine.dispose()
    assert row.outcome == "connected" and row.intent == "success", row
    record = row.record if isinstance(row.record, dict) else json.loads(row.record)
    assert record["record"]["path"] == ["ask", "yes_end"], record["record"]
    # stored relative to the recordings store (<data_dir>/call-recordings)
    with wave.open(str(tmp_path / "var" / "call-recordings" / row.recording)) as w:
        assert w.getnchannels() == 2 and w.getframerate() == 8000
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    assert np.abs(data[:, 0]).max() > 1000 and np.abs(data[:, 1]).max() > 1000  # customer and bot
