"""The call session's audio path in real time: espeak prompts and customer replies as 20 ms frames,
webrtcvad endpointing, VAD barge-in, stereo recording. Recognition is the simulator's transcript
oracle (the recogniser has its own tests in the speech area)."""

from __future__ import annotations

import asyncio
import shutil
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from designer.model import Script
from runtime.calls import CallSession, SpeechKit
from runtime.calls.result import CallResult
from telephony.contract import OriginateRequest
from telephony.recording import LocalRecordingStore
from telephony.simulator import CarrierProfile, RealClock, SimulatorDriver
from telephony.simulator.personas import Persona

pytestmark = [
    pytest.mark.audio,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed"),
]

SCRIPT = Script.from_dict(
    {
        "format": "huashu.script/1",
        "id": "audio-test",
        "name": "audio path test",
        "language": "en-US",
        "settings": {"silence_timeout_ms": 4000, "max_consecutive_silences": 1, "barge_in": True},
        "start": "ask",
        "nodes": [
            {
                "id": "ask",
                "type": "say_listen",
                "prompt": {"text": "Hello, would you like the new mobile plan?"},
                "branches": [
                    {"id": "y", "when": {"intent": "affirm"}, "goto": "yes_end"},
                    {"id": "n", "when": {"intent": "deny"}, "goto": "no_end"},
                ],
            },
            {"id": "yes_end", "type": "end", "prompt": {"text": "Great, goodbye."}, "outcome": "ordered"},
            {"id": "no_end", "type": "end", "prompt": {"text": "Okay, goodbye."}, "outcome": "refused"},
        ],
    }
)
FAST = CarrierProfile(
    answer_curve=(1.0,) * 48,
    invalid_share=0,
    powered_off_share=0,
    busy_share=0,
    network_error_share=0,
    setup_s=(0.05, 0.1),
    answer_after_s=(0.1, 0.2),
)


def _tts() -> Any:
    from runtime.speech.tts_espeak import EspeakProvider

    return EspeakProvider()


def _run(persona: Persona, store: LocalRecordingStore | None = None) -> tuple[CallResult, Any, CallSession]:
    tts = _tts()

    async def voice(text: str, lang: str) -> bytes:
        return (await asyncio.to_thread(tts.render, text)).pcm

    async def main() -> tuple[CallResult, Any, CallSession]:
        clock = RealClock()
        drv = SimulatorDriver(seed=1, carrier=FAST, clock=clock, customer_voice=voice)
        calls: list[Any] = []
        orig = drv.originate

        async def originate(req: OriginateRequest) -> Any:
            call = await orig(req)
            call.persona = persona
            calls.append(call)
            return call

        drv.originate = originate  # type: ignore[method-assign]
        session = CallSession(
            drv,
            OriginateRequest("13800000001", "95555", "audio-1"),
            SCRIPT,
            {},
            speech=SpeechKit(tts=tts),
            clock=clock,
            recording_store=store,
        )
        res = await asyncio.wait_for(session.run(), 40)
        return res, calls[0], session

    return asyncio.run(main())


def test_customer_speech_is_heard_through_vad_and_answered(tmp_path: Path) -> None:
    store = LocalRecordingStore(tmp_path)
    res, call, session = _run(Persona("yes", ("affirm",), reply_delay_s=(0.3, 0.4)), store)
    rec = res.engine_record
    assert rec is not None and rec.path == ["ask", "yes_end"], rec and rec.path
    assert rec.turns[0].customer == call.log.said[0][1]
    assert session.barge_ins == 0 and not call.log.interrupted
    # end of the customer's words to the first frame of the reply: VAD hangover (600 ms) + work
    (latency,) = call.log.response_latencies_s
    assert 0.55 < latency < 1.2
    assert res.recording is not None
    with wave.open(str(res.recording.path)) as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    assert np.abs(data[:, 0]).max() > 1000 and np.abs(data[:, 1]).max() > 1000  # both parties audible


def test_vad_barge_in_stops_the_prompt_before_recognition() -> None:
    res, call, session = _run(Persona("no", ("deny",), barge_in_share=1.0))
    rec = res.engine_record
    assert rec is not None and rec.path == ["ask", "no_end"], rec and rec.path
    assert session.barge_ins >= 1
    (cut_at, play_id), *_ = call.log.interrupted
    queued_at, first, seconds = call.log.plays[0]
    assert play_id == first and cut_at < queued_at + seconds
    said_at = call.log.said[0][0]
    assert cut_at - said_at < 0.5  # stopped ~100-200 ms into the customer's speech, not after it


def test_text_customers_with_real_prompts_record_the_bot_in_virtual_time(tmp_path: Path) -> None:
    """The demo's mode: simulated customers in text, the bot's prompts rendered by espeak,
    recorded on the virtual timeline (renders in threads hold virtual time still)."""
    from runtime.calls import VirtualClock, run_call

    async def main() -> CallResult:
        clock = VirtualClock()
        drv = SimulatorDriver(seed=1, carrier=FAST, clock=clock)
        drv_personas = Persona("yes", ("affirm",), reply_delay_s=(0.5, 0.6))
        orig = drv.originate

        async def originate(req: OriginateRequest) -> Any:
            call = await orig(req)
            call.persona = drv_personas
            return call

        drv.originate = originate  # type: ignore[method-assign]
        return await run_call(
            drv,
            OriginateRequest("13800000001", "95555", "text-rec-1"),
            SCRIPT,
            {},
            speech=SpeechKit(tts=_tts()),
            clock=clock,
            recording_store=LocalRecordingStore(tmp_path),
        )

    res = asyncio.run(main())
    rec = res.engine_record
    assert rec is not None and rec.path == ["ask", "yes_end"]
    assert res.recording is not None
    with wave.open(str(res.recording.path)) as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    assert data.shape[0] / 8000 == pytest.approx(res.talk_ms / 1000, abs=0.05)
    assert np.abs(data[:, 1]).max() > 1000  # the bot's prompts are in the right channel
    assert not data[:, 0].any()  # text-mode customers have no audio
    # the first prompt starts at answer: audio within the first 100 ms
    assert np.abs(data[:800, 1]).max() > 0
