"""A simulated call with real audio frames: a confident closed-set answer ends the turn at the
short pause, so the customer hears the reply sooner than the 600 ms end-of-turn silence alone
allows, and the call's result carries the turn's latency budget."""

from __future__ import annotations

import asyncio
import shutil
from typing import Any

import pytest

from runtime.calls import CallSession, SpeechKit
from runtime.calls.early_turn import EarlyTurnConfig
from telephony.contract import OriginateRequest
from telephony.simulator import CarrierProfile, RealClock, SimulatorDriver
from telephony.simulator.personas import Persona
from tests.support.speech_closedset import ScriptedAsr

pytestmark = [pytest.mark.audio, pytest.mark.slow,
              pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")]

from designer.model import Script  # noqa: E402

SCRIPT = Script.from_dict({
    "format": "huashu.script/1", "id": "fast-turn", "name": "fast turn", "language": "en-US",
    "settings": {"silence_timeout_ms": 4000, "max_consecutive_silences": 1, "barge_in": True},
    "start": "ask",
    "nodes": [
        {"id": "ask", "type": "say_listen", "prompt": {"text": "Hello, would you like the new plan?"},
         "branches": [{"id": "y", "when": {"intent": "affirm"}, "goto": "yes_end"},
                      {"id": "n", "when": {"intent": "deny"}, "goto": "no_end"}]},
        {"id": "yes_end", "type": "end", "prompt": {"text": "Great, goodbye."}, "outcome": "ordered"},
        {"id": "no_end", "type": "end", "prompt": {"text": "Okay, goodbye."}, "outcome": "refused"},
    ],
})
FAST = CarrierProfile(answer_curve=(1.0,) * 48, invalid_share=0, powered_off_share=0, busy_share=0,
                      network_error_share=0, setup_s=(0.05, 0.1), answer_after_s=(0.1, 0.2))


def _call(early: EarlyTurnConfig | None) -> tuple[Any, Any, CallSession]:
    from runtime.speech.tts_espeak import EspeakProvider

    tts = EspeakProvider()

    async def voice(text: str, lang: str) -> bytes:
        return (await asyncio.to_thread(tts.render, text)).pcm

    async def main() -> tuple[Any, Any, CallSession]:
        clock = RealClock()
        drv = SimulatorDriver(seed=1, carrier=FAST, clock=clock, customer_voice=voice)
        calls: list[Any] = []
        orig = drv.originate

        async def originate(req: OriginateRequest) -> Any:
            call = await orig(req)
            call.persona = Persona("yes", ("affirm",), reply_delay_s=(0.3, 0.4))
            calls.append(call)
            return call

        drv.originate = originate  # type: ignore[method-assign]
        session = CallSession(drv, OriginateRequest("13800000001", "95555", "fast-1"), SCRIPT, {},
                              speech=SpeechKit(tts=tts, asr=ScriptedAsr(["yes"]), early_turn=early), clock=clock)
        res = await asyncio.wait_for(session.run(), 40)
        return res, calls[0], session

    return asyncio.run(main())


def test_confident_answer_is_answered_before_the_long_silence() -> None:
    res, call, session = _call(EarlyTurnConfig())
    assert res.engine_record is not None and res.engine_record.path == ["ask", "yes_end"]
    (latency,) = call.log.response_latencies_s  # end of the customer's words -> first reply frame, at the customer
    assert latency > 0  # a wall-clock figure: bench/ reports it; a loaded CI machine must not fail the test on it
    (budget,) = res.turn_budgets
    assert budget["early"] and budget["endpoint_ms"] == EarlyTurnConfig().end_after_ms and budget["first_audio_ms"] is not None
    assert res.to_dict()["turn_budgets"] == res.turn_budgets


def test_without_early_turn_the_full_silence_is_waited() -> None:
    res, call, session = _call(None)
    (latency,) = call.log.response_latencies_s
    assert latency > 0.55
    (budget,) = res.turn_budgets
    assert not budget["early"] and budget["endpoint_ms"] == 600
