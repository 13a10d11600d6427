"""Issue 19 (2c): a customer's personalised prompts (``${variables}``) are synthesised before the
call is dialled, so no turn waits for TTS; a TTS too slow for that does not hold the call."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from designer.model import Script
from runtime.calls import CallSession, SpeechKit
from runtime.calls import session as session_mod
from runtime.dialog.engine import DialogEngine
from telephony.contract import OriginateRequest
from telephony.simulator import CarrierProfile, RealClock, SimulatorDriver
from telephony.simulator.personas import Persona

SCRIPT = Script.from_dict({
    "format": "huashu.script/1", "id": "personal", "name": "personal prompts", "language": "zh-CN",
    "variables": {"name": {"type": "string", "required": True}, "fee": {"type": "amount", "required": True}},
    "settings": {"silence_timeout_ms": 3000, "max_consecutive_silences": 1},
    "start": "ask",
    "nodes": [
        {"id": "ask", "type": "say_listen", "prompt": {"text": "${name}您好，本月套餐费${fee}元，需要为您续订吗？"},
         "branches": [{"id": "y", "when": {"intent": "affirm"}, "goto": "yes_end"},
                      {"id": "n", "when": {"intent": "deny"}, "goto": "no_end"}]},
        {"id": "yes_end", "type": "end", "prompt": {"text": "好的${name}，已为您续订，再见。"}, "outcome": "ordered"},
        {"id": "no_end", "type": "end", "prompt": {"text": "好的，再见。"}, "outcome": "refused"},
    ],
})
VARS = {"name": "张先生", "fee": "58"}
FAST = CarrierProfile(answer_curve=(1.0,) * 48, invalid_share=0, powered_off_share=0, busy_share=0,
                      network_error_share=0, setup_s=(0.05, 0.1), answer_after_s=(0.1, 0.2))


class _Rendered:
    def __init__(self, pcm: bytes) -> None:
        self.pcm, self.provider = pcm, "fake"


class _Tts:
    """Records when each text is rendered; ``delay_s`` stands for a slow neural voice."""

    name = "fake"

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.rendered: list[tuple[str, float]] = []

    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> _Rendered:
        time.sleep(self.delay_s)
        self.rendered.append((text, time.monotonic()))
        return _Rendered(bytes(1600))  # 100 ms of silence


def _call(tts: _Tts) -> tuple[Any, float]:
    async def main() -> tuple[Any, float]:
        drv = SimulatorDriver(seed=3, carrier=FAST, clock=RealClock())
        dialled: list[float] = []
        orig = drv.originate

        async def originate(req: OriginateRequest) -> Any:
            dialled.append(time.monotonic())
            call = await orig(req)
            call.persona = Persona("yes", ("affirm",), reply_delay_s=(0.1, 0.2))
            return call

        drv.originate = originate  # type: ignore[method-assign]
        session = CallSession(drv, OriginateRequest("13800000001", "95555", "personal-1"), SCRIPT, VARS,
                              speech=SpeechKit(tts=tts), clock=RealClock())
        res = await asyncio.wait_for(session.run(), 30)
        return res, dialled[0]

    return asyncio.run(main())


@pytest.mark.offline
def test_the_engine_lists_this_customers_personalised_prompts() -> None:
    texts = DialogEngine(SCRIPT, VARS).personal_prompts()
    assert len(texts) == 2 and all("张先生" in t for t in texts) and "好的，再见。" not in texts
    assert "${" not in "".join(texts)


@pytest.mark.offline
def test_personalised_prompts_are_rendered_before_dialling_and_not_again() -> None:
    tts = _Tts()
    res, dialled_at = _call(tts)
    assert res.engine_record is not None and res.engine_record.path == ["ask", "yes_end"]
    personal = DialogEngine(SCRIPT, VARS).personal_prompts()
    times = {text: at for text, at in tts.rendered}
    for text in personal:
        assert text in times and times[text] <= dialled_at, text  # before the call was dialled
    assert sorted(t for t, _ in tts.rendered if t in personal) == sorted(personal)  # each rendered once


@pytest.mark.offline
def test_a_voice_too_slow_does_not_hold_the_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session_mod, "PREPARE_PROMPTS_S", 0.05)
    res, _ = _call(_Tts(delay_s=0.2))  # not ready in time: rendered when played, the call goes on
    assert res.engine_record is not None and res.engine_record.path == ["ask", "yes_end"]
