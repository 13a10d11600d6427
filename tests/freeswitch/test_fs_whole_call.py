"""A whole bot call through the real FreeSWITCH: the runtime dials through the switch and the
carrier gateway to a sipp customer who answers, listens to the bot's question and says "yes"
(a recorded voice); the dialog takes the scripted path and the call ends connected, hung up by
the bot, with both sides in the runtime's recording and a copy recorded on the switch."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import numpy as np
import pytest

from runtime.calls import CallSession, RealClock, SpeechKit
from telephony.outcomes import Outcome
from telephony.recording import LocalRecordingStore
from tests.freeswitch.rig import customer, driver_for, request
from tests.freeswitch.switch import Switch
from tests.telephony.test_call_session_audio import SCRIPT
from tests.telephony.test_call_session_over_sip import SCENARIO, _asr, _customer_audio

pytestmark = [pytest.mark.freeswitch, pytest.mark.sipp, pytest.mark.audio, pytest.mark.slow, pytest.mark.timeout(120)]


def test_bot_call_through_freeswitch_takes_the_scripted_path(switch: Switch, tmp_path: Path) -> None:
    from runtime.speech.tts_espeak import EspeakProvider

    asr = _asr()
    audio = _customer_audio(tmp_path)

    async def main() -> tuple[object, int]:
        async with customer(switch, tmp_path, str(SCENARIO), audio=str(audio)) as cust:
            driver = driver_for(switch, record_dir=str(switch.recordings))
            try:
                session = CallSession(
                    driver,
                    request("fs-session-1"),
                    SCRIPT,
                    {},
                    speech=SpeechKit(tts=EspeakProvider(), asr=asr),  # type: ignore[arg-type]
                    clock=RealClock(),
                    recording_store=LocalRecordingStore(tmp_path / "rec"),
                )
                result = await asyncio.wait_for(session.run(), 60)
                status = await cust.wait(15)
            finally:
                await driver.aclose()
        return result, status

    result, sipp_status = asyncio.run(main())
    rec = result.engine_record  # type: ignore[attr-defined]
    assert result.outcome is Outcome.CONNECTED, result  # type: ignore[attr-defined]
    assert rec is not None and rec.path == ["ask", "yes_end"], (rec.path, rec.turns)
    assert rec.turns[0].kind == "speech" and rec.turns[0].branch == "y"
    assert result.hangup_by == "local"  # type: ignore[attr-defined]
    assert sipp_status == 0
    info = result.recording  # type: ignore[attr-defined]
    with wave.open(str(info.path)) as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    assert np.abs(data[:, 0]).max() > 1000 and np.abs(data[:, 1]).max() > 1000
    on_switch = switch.recordings / "fs-session-1.wav"
    assert on_switch.exists() and on_switch.stat().st_size > 8000, list(switch.recordings.iterdir())
