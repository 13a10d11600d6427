"""The runner a node builds from the settings (simulator, SIP, FreeSWITCH), and recorded calls:
the simulator's recordings carry both parties, the sample is per call id, bad settings are
refused when the node starts."""

from __future__ import annotations

import asyncio
import json
import wave
from pathlib import Path

import numpy as np
import pytest

from huashu.core.config import Settings
from runtime.campaigns.call_runner import DriverRunner
from runtime.campaigns.dialer import DialRequest
from runtime.campaigns.drivers import RunnerError, build_runner
from runtime.campaigns.runners import load_runner
from runtime.recordings import apply_retention, open_recording_store, recover, should_record
from scripts_library import LIBRARY_DIR
from telephony.recording.store import LocalRecordingStore
from telephony.simulator import CarrierProfile

pytestmark = pytest.mark.audio

DOC = json.loads((LIBRARY_DIR / "data_pack_upgrade.json").read_text(encoding="utf-8"))
ALWAYS = CarrierProfile(answer_curve=(1.0,) * 48, invalid_share=0, powered_off_share=0, busy_share=0,
                        network_error_share=0)


def _settings(tmp_path: Path, **kw: object) -> Settings:
    return Settings(data_dir=tmp_path / "var", **kw)  # type: ignore[arg-type]


def _req(i: int) -> DialRequest:
    return DialRequest(job_id=i, attempt_id=i, task_id=3, phone=f"1380000{i:04d}", leg="primary", caller_id="95555",
                       voice=None, script_id=DOC["id"], script_version=1, variables={"extra_fee": 10})


def _calls(runner: DriverRunner, n: int) -> list:
    async def main() -> list:
        return [await runner(_req(i)) for i in range(1, n + 1)]

    return asyncio.run(main())


@pytest.mark.slow  # minutes on the loaded 2-core machine: `make test` runs it
def test_simulated_calls_are_recorded_with_both_parties(tmp_path: Path) -> None:
    runner = build_runner("simulator", lambda sid, v: DOC, _settings(tmp_path), seed=3, carrier=ALWAYS)
    reports = _calls(runner, 3)
    connected = [r for r in reports if r.outcome == "connected"]
    assert connected and all(r.recording for r in connected)
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)  # filed by the real date, not the virtual clock's: retention deletes by it
    days = {(now - timedelta(minutes=m)).strftime("%Y/%m/%d") for m in (0, 5)}
    root = tmp_path / "var" / "call-recordings"
    for r in connected:
        # stored relative to the recordings root (issue 17): the same text from any working directory
        assert not Path(r.recording).is_absolute() and r.recording.endswith(".wav")
        assert Path(r.recording).parent.as_posix() in days
        with wave.open(str(root / r.recording)) as w:
            assert (w.getnchannels(), w.getframerate()) == (2, 8000)
            data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
        assert np.abs(data[:, 1]).max() > 1000, "the bot's prompts are audio, not silence"
        said = [t for t in r.record["record"]["turns"] if t.get("customer")]
        if said:
            assert np.abs(data[:, 0]).max() > 1000, "the customer's words are in the recording"


def test_recording_sample_follows_the_call_id(tmp_path: Path) -> None:
    ids = [f"attempt-{i}" for i in range(2000)]
    picked = [i for i in ids if should_record(i, 0.1)]
    assert 150 < len(picked) < 250
    assert picked == [i for i in ids if should_record(i, 0.1)]  # the same on every node, every run
    assert all(should_record(i, 1.0) for i in ids[:50]) and not any(should_record(i, 0.0) for i in ids[:50])
    runner = build_runner("simulator", lambda sid, v: DOC, _settings(tmp_path, recordings={"sample": 0.0}),
                          seed=3, carrier=ALWAYS)
    assert all(r.recording is None for r in _calls(runner, 2))


def test_recording_switched_off(tmp_path: Path) -> None:
    s = _settings(tmp_path, recordings={"enabled": False})
    assert open_recording_store(s) is None
    runner = build_runner("simulator", lambda sid, v: DOC, s, seed=3, carrier=ALWAYS)
    assert runner.recording_store is None


def test_real_drivers_are_built_from_the_settings(tmp_path: Path) -> None:
    from telephony.freeswitch.driver import FreeswitchDriver
    from telephony.sip.driver import SipDriver

    pytest.importorskip("vosk")
    s = _settings(tmp_path, speech={"asr_provider": "vosk"}, sip={"host": "127.0.0.1", "port": 5099})
    sip = build_runner("sip", lambda sid, v: DOC, s)
    assert isinstance(sip.driver, SipDriver) and sip.recording_store is not None
    fs = build_runner("freeswitch", lambda sid, v: DOC, s)
    assert isinstance(fs.driver, FreeswitchDriver)
    assert isinstance(load_runner(None, engine=object(), settings=s.model_copy(update={"telephony_driver": "sip"})),
                      DriverRunner)


def test_bad_settings_are_refused_when_the_node_starts(tmp_path: Path) -> None:
    with pytest.raises(RunnerError, match="use one of simulator, sip, freeswitch"):
        build_runner("pstn", lambda sid, v: DOC, _settings(tmp_path))
    with pytest.raises(RunnerError, match="sip settings"):
        build_runner("sip", lambda sid, v: DOC, _settings(tmp_path, sip={"rtp_port_min": 30000, "rtp_port_max": 20000}))
    with pytest.raises(RunnerError, match="no recogniser"):
        build_runner("sip", lambda sid, v: DOC, _settings(tmp_path, speech={"asr_provider": "http"}))
    with pytest.raises(RunnerError, match="recordings.s3_access_key"):
        build_runner("simulator", lambda sid, v: DOC,
                     _settings(tmp_path, recordings={"s3_endpoint": "http://127.0.0.1:9", "s3_bucket": "b"}))
    with pytest.raises(RunnerError, match="use one of"):
        load_runner("nonsense", engine=object(), settings=_settings(tmp_path))


def test_retention_and_recovery(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    store = LocalRecordingStore(tmp_path / "rec")
    old = datetime.now(UTC) - timedelta(days=200)
    for cid, when in (("old-1", old), ("new-1", datetime.now(UTC))):
        sink = store.open(cid, started=when)
        sink.write(b"\x01\x00" * 160, b"\x02\x00" * 160)
        sink.close()
    half = store.open("crashed-1")
    half.write(b"\x01\x00" * 16000, b"\x02\x00" * 16000)  # never closed: a node died mid-call
    half._wav._file.flush()  # type: ignore[attr-defined]  # what had reached the disk
    empty = store.open("crashed-2")  # died before anything reached the disk: skipped, not fatal
    assert recover(store) == 1 and store.path_for("crashed-1") is not None
    assert empty._part.exists()  # type: ignore[attr-defined]
    assert apply_retention(store, None) == 0
    assert apply_retention(store, 180) == 1
    assert store.path_for("old-1") is None and store.path_for("new-1") is not None


@pytest.mark.slow  # minutes on the loaded 2-core machine: `make test` runs it
def test_json_logs_are_json_from_the_first_line(cli_db: tuple[str, object], tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    url, _ = cli_db
    env = {**os.environ, "HUASHU_DATA_DIR": str(tmp_path / "var")}
    res = subprocess.run([sys.executable, "-m", "huashu", "runtime", "run", "--db", url, "--once", "--log-format",
                          "json", "--metrics-port", "0", "--metrics-host", "127.0.0.1"],
                         env=env, capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert lines and all(json.loads(ln) for ln in lines), lines[:3]
    assert any("runtime node" in json.loads(ln)["msg"] for ln in lines)


def test_a_versions_static_prompts_are_rendered_before_its_first_call(tmp_path: Path) -> None:
    """A real line (here the simulator standing in for it) never waits for TTS on a static prompt:
    the runner renders them all into the cache before the version's first call."""
    from runtime.calls import VirtualClock
    from runtime.calls.speech import SpeechKit
    from runtime.speech.cache import PromptCache, static_prompts
    from runtime.speech.tts import FallbackTts
    from runtime.speech.tts_espeak import EspeakProvider
    from telephony.simulator import SimulatorDriver

    cache = PromptCache(tmp_path / "prompts")
    tts = FallbackTts([EspeakProvider()], cache=cache)
    clock = VirtualClock()
    runner = DriverRunner(lambda sid, v: DOC, SimulatorDriver(seed=1, carrier=ALWAYS, clock=clock), clock=clock,
                          speech=lambda script: SpeechKit(tts=tts), prerender=True)
    _calls(runner, 1)
    todo = static_prompts(DOC)
    assert len(todo) > 5
    missing = [t for _, t in todo if cache.get("espeak", EspeakProvider().voice_for(t, None), 1.0, t) is None]
    assert not missing, missing
