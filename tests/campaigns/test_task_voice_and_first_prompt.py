"""A task's voice (``campaign create --voice``) is the voice its calls speak with, and the
call's first prompt, personalised, is rendered before the number is dialled (issue 18: the
runtime always used the script's voice, and greetings were rendered after the answer)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from runtime.calls import VirtualClock
from runtime.calls.speech import SpeechKit
from runtime.campaigns.call_runner import DriverRunner
from runtime.campaigns.dialer import DialRequest
from runtime.speech.tts_base import TtsBase
from runtime.speech.tts_espeak import EspeakProvider
from scripts_library import LIBRARY_DIR
from telephony.simulator import CarrierProfile, SimulatorDriver

pytestmark = pytest.mark.audio

DOC = json.loads((LIBRARY_DIR / "data_pack_upgrade.json").read_text(encoding="utf-8"))
ALWAYS = CarrierProfile(answer_curve=(1.0,) * 48, invalid_share=0, powered_off_share=0, busy_share=0,
                        network_error_share=0)


class _Tts(TtsBase):
    """espeak, remembering which text was rendered in which voice."""

    name = "espeak"
    cache = None

    def __init__(self) -> None:
        self.inner = EspeakProvider()
        self.renders: list[tuple[str, str | None]] = []

    def render(self, text: str, voice: str | None, rate: float = 1.0) -> Any:
        self.renders.append((text, voice))
        return self.inner.render(text, "cmn-latn-pinyin" if voice and voice.startswith("test-") else voice, rate)


class _Driver(SimulatorDriver):
    def __init__(self, tts: _Tts, **kw: Any) -> None:
        super().__init__(**kw)
        self.renders_at_dial: list[int] = []
        self._tts = tts

    async def originate(self, req: Any) -> Any:
        self.renders_at_dial.append(len(self._tts.renders))
        return await super().originate(req)


def _req(voice: str | None) -> DialRequest:
    return DialRequest(job_id=1, attempt_id=1, task_id=3, phone="13800000001", leg="primary", caller_id="95555",
                       voice=voice, script_id=DOC["id"], script_version=1, variables={"extra_fee": 10})


def test_task_voice_is_used_and_first_prompt_rendered_before_dialling() -> None:
    tts = _Tts()
    clock = VirtualClock()
    driver = _Driver(tts, seed=1, carrier=ALWAYS, clock=clock)
    runner = DriverRunner(lambda sid, v: DOC, driver, clock=clock,
                          speech=lambda script: SpeechKit(tts=tts, voice="script-voice"), prerender=True)

    report = asyncio.run(runner(_req("test-task-voice")))
    assert report.outcome == "connected"
    voices = {v for _, v in tts.renders}
    assert voices == {"test-task-voice"}, voices  # never the script's voice
    assert driver.renders_at_dial == [1]  # the greeting, with the customer's variables, before the dial
    first_text = tts.renders[0][0]
    assert "10" in first_text or "十" in first_text, first_text


def test_without_a_task_voice_the_script_voice_is_used() -> None:
    tts = _Tts()
    clock = VirtualClock()
    runner = DriverRunner(lambda sid, v: DOC, _Driver(tts, seed=1, carrier=ALWAYS, clock=clock), clock=clock,
                          speech=lambda script: SpeechKit(tts=tts, voice=None), prerender=True)
    asyncio.run(runner(_req(None)))
    assert {v for _, v in tts.renders} == {None}
