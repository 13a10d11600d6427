"""The SIP driver calls baresip, configured as an auto-answering phone with no sound card.

baresip's ``aufile`` source plays a 600 Hz tone to us and its ``sndfile`` filter dumps what it
decodes from us to a WAV, so both directions of real RTP are checked by frequency.
"""

from __future__ import annotations

import asyncio
import math
import subprocess
import time
import wave
from pathlib import Path
from typing import IO

import numpy as np
import pytest
from sipp.peer import free_udp_port

from telephony.contract import Answered, HungUp, OriginateRequest
from telephony.outcomes import Outcome
from telephony.sip import SipDriver, SipTrunk

pytestmark = [pytest.mark.baresip, pytest.mark.timeout(60)]


def _tone(freq: float, seconds: float, amp: int = 8000) -> np.ndarray:
    t = np.arange(int(8000 * seconds)) / 8000.0
    return (amp * np.sin(2 * math.pi * freq * t)).astype("<i2")


def _peak_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(float)))
    return float(np.argmax(spectrum) * rate / len(samples))


def _write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(samples.tobytes())


def _configure(folder: Path, port: int) -> None:
    _write_wav(folder / "phone.wav", _tone(600, 5))
    (folder / "config").write_text(
        f"""poll_method\tepoll
sip_listen\t127.0.0.1:{port}
audio_player\taufile,{folder}/unused.wav
audio_source\taufile,{folder}/phone.wav
audio_alert\taufile,{folder}/unused.wav
module_path\t/usr/lib/baresip/modules
module\tg711.so
module\taufile.so
module\tsndfile.so
module_app\taccount.so
snd_path\t{folder}
"""
    )
    (folder / "accounts").write_text("<sip:phone@127.0.0.1>;regint=0;answermode=auto\n")


def _start_baresip(folder: Path) -> tuple[subprocess.Popen[bytes], int, IO[str]]:
    """baresip on a free port; a port taken before baresip binds it gets another try."""
    for _ in range(3):
        port = free_udp_port()
        _configure(folder, port)
        log = open(folder / "baresip.log", "w")  # noqa: SIM115 - the caller closes it
        proc = subprocess.Popen(["baresip", "-f", str(folder), "-t", "15"], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 5
        while proc.poll() is None and time.monotonic() < deadline:
            if "baresip is ready" in (folder / "baresip.log").read_text():
                return proc, port, log
            time.sleep(0.05)
        proc.kill()
        proc.wait()
        log.close()
    raise AssertionError("baresip did not start: " + (folder / "baresip.log").read_text())


def test_call_auto_answering_baresip_both_directions(tmp_path: Path) -> None:
    proc, port, log = _start_baresip(tmp_path)
    try:

        async def main() -> tuple[list[bytes], list[object], object]:
            driver = SipDriver(SipTrunk("127.0.0.1", port))
            try:
                call = await driver.originate(OriginateRequest("phone", "95500", "bs-1", ring_timeout_s=5))
                frames: list[bytes] = []

                async def read() -> None:
                    async for f in call.incoming_frames():
                        frames.append(f)

                reader = asyncio.create_task(read())
                events = []
                async for ev in call.events():
                    events.append(ev)
                    if isinstance(ev, Answered):
                        await call.play(_tone(1000, 1.5).tobytes(), 1)
                        asyncio.get_running_loop().call_later(2.0, lambda: asyncio.ensure_future(call.hangup()))
                await reader
                return frames, events, call.outcome
            finally:
                await driver.aclose()

        frames, events, outcome = asyncio.run(asyncio.wait_for(main(), 20))
    finally:
        proc.terminate()
        proc.wait(5)
        log.close()
    assert outcome is Outcome.CONNECTED
    assert isinstance(events[-1], HungUp) and events[-1].by == "local"
    heard = np.frombuffer(b"".join(frames[10:60]), dtype="<i2")
    assert len(heard) >= 8000 and abs(_peak_hz(heard, 8000) - 600) < 20, "baresip's tone should reach us"
    dumps = sorted(tmp_path.glob("dump-*-dec.wav"))
    assert dumps, (tmp_path / "baresip.log").read_text()
    with wave.open(str(dumps[0])) as w:
        rate = w.getframerate()
        got = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    loud = got[np.abs(got) > 2000]
    assert len(loud) > rate // 2, "our 1.5 s tone should be in baresip's decoded dump"
    start = int(np.argmax(np.abs(got) > 2000))
    assert abs(_peak_hz(got[start : start + rate // 2], rate) - 1000) < 20
