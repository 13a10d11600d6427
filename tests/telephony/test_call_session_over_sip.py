"""The call session end to end over the real SIP driver: sipp answers, listens to the bot's
question, says "yes" (a piper voice as PCMU RTP), and the bot — webrtcvad endpointing,
Whisper recognition, the dialog engine, espeak prompts — confirms and hangs up."""

from __future__ import annotations

import asyncio
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from runtime.calls import CallSession, RealClock, SpeechKit
from telephony.contract import OriginateRequest
from telephony.outcomes import Outcome
from telephony.recording import LocalRecordingStore
from tests.support.ports import free_port
from tests.telephony.test_call_session_audio import SCRIPT

pytestmark = [
    pytest.mark.sipp,
    pytest.mark.audio,
    pytest.mark.slow,
    pytest.mark.timeout(120),
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng for the bot's prompts"),
]

SCENARIO = Path(__file__).parent / "session_sipp" / "uas_say_yes.xml"


def _customer_audio(folder: Path) -> Path:
    """Raw PCMU of a natural voice (piper): Whisper is sure of it (~0.9), unlike espeak (~0.5)."""
    from runtime.speech.tts_base import TtsError
    from runtime.speech.tts_piper import PiperProvider
    from telephony.media.g711 import ulaw_encode

    try:
        pcm = PiperProvider().render("Yes, I would like that.").pcm
    except TtsError as exc:
        pytest.skip(f"piper voice unavailable: {exc}")
    raw = folder / "yes.ulaw"
    raw.write_bytes(ulaw_encode(pcm))
    return raw


def _asr() -> object:
    from runtime.speech.asr import build_asr
    from runtime.speech.asr_base import AsrError

    try:
        return build_asr(provider="whisper", language="en")
    except AsrError as exc:
        pytest.skip(f"no Whisper model: {exc}")


def test_bot_hears_yes_over_sip_and_closes_the_call(tmp_path: Path) -> None:
    from runtime.speech.tts_espeak import EspeakProvider
    from telephony.sip import SipDriver, SipTrunk

    asr = _asr()
    scenario = tmp_path / "scenario.xml"
    scenario.write_text(SCENARIO.read_text().replace("[audio]", str(_customer_audio(tmp_path))))
    port, media_port = free_port(), free_port(even=True)

    async def main() -> tuple[object, int]:
        sipp = await asyncio.create_subprocess_exec(
            *("sipp", "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(port), "-mi", "127.0.0.1"),
            *("-mp", str(media_port), "-m", "1", "-timeout", "60s", "-timeout_error", "-nostdin"),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            cwd=tmp_path,
        )
        await asyncio.sleep(0.5)
        driver = SipDriver(SipTrunk("127.0.0.1", port))
        try:
            session = CallSession(
                driver,
                OriginateRequest("10086", "95555", "sip-session-1"),
                SCRIPT,
                {},
                speech=SpeechKit(tts=EspeakProvider(), asr=asr),  # type: ignore[arg-type]
                clock=RealClock(),
                recording_store=LocalRecordingStore(tmp_path / "rec"),
            )
            result = await asyncio.wait_for(session.run(), 60)
            status = await asyncio.wait_for(sipp.wait(), 15)
        finally:
            await driver.aclose()
            if sipp.returncode is None:
                sipp.kill()
                await sipp.wait()
        return result, status

    result, sipp_status = asyncio.run(main())
    rec = result.engine_record  # type: ignore[attr-defined]
    assert result.outcome is Outcome.CONNECTED, result  # type: ignore[attr-defined]
    assert rec is not None and rec.path == ["ask", "yes_end"], (rec.path, rec.turns)
    assert rec.turns[0].kind == "speech" and rec.turns[0].branch == "y" and rec.turns[0].customer
    assert result.hangup_by == "local"  # type: ignore[attr-defined]
    assert sipp_status == 0  # sipp saw the whole scenario, ending with our BYE
    info = result.recording  # type: ignore[attr-defined]
    with wave.open(str(info.path)) as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    assert np.abs(data[:, 0]).max() > 1000 and np.abs(data[:, 1]).max() > 1000
