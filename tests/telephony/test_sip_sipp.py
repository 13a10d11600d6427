"""The SIP driver against a real far end: sipp (Debian sip-tester) scenarios on loopback.

Each scenario fails sipp (non-zero exit) when we break the protocol (no ACK to a 486, no
CANCEL, bad digest ...), so the assertions cover both sides of the wire.
"""

from __future__ import annotations

import asyncio
import math
import shutil
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sipp.peer import Sipp, make_customer_audio

from telephony.contract import (
    Answered,
    CallEvent,
    DtmfReceived,
    EarlyMedia,
    HungUp,
    OriginateRequest,
    PlaybackFinished,
    RecordingInfo,
    Ringing,
)
from telephony.outcomes import Outcome
from telephony.sip import RegistrationFailed, SipDriver, SipTrunk

pytestmark = [pytest.mark.sipp, pytest.mark.timeout(60)]


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 30))


@pytest.fixture(scope="module")
def customer_audio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.skip("espeak-ng and sox are needed to record the customer")
    return make_customer_audio(tmp_path_factory.mktemp("audio"))


class ListSink:
    """A recording sink that keeps the frames, to check both channels line up."""

    def __init__(self) -> None:
        self.inbound: list[bytes] = []
        self.outbound: list[bytes] = []
        self.closed = False

    def write(self, inbound: bytes, outbound: bytes) -> None:
        self.inbound.append(inbound)
        self.outbound.append(outbound)

    def close(self) -> RecordingInfo:
        self.closed = True
        return RecordingInfo("t", Path("/dev/null"), 20 * len(self.inbound))


def tone(freq: float, ms: int, amp: int = 8000) -> bytes:
    t = np.arange(8 * ms) / 8000.0
    return (amp * np.sin(2 * math.pi * freq * t)).astype("<i2").tobytes()


def rms(frame: bytes) -> float:
    x = np.frombuffer(frame, dtype="<i2").astype(float)
    return float(np.sqrt(np.mean(x * x))) if len(x) else 0.0


async def collect(call: Any, on: Any = None) -> list[CallEvent]:
    events: list[CallEvent] = []
    async for ev in call.events():
        events.append(ev)
        if on is not None:
            await on(ev)
    return events


def test_answer_and_talk_customer_audio_dtmf_and_our_bye(tmp_path: Path, customer_audio: Path) -> None:
    async def main() -> None:
        sipp = Sipp("uas_answer_talk.xml", tmp_path, keys={"audio": str(customer_audio), "call_id": "call-42"})
        await sipp.start()
        driver = SipDriver(SipTrunk("127.0.0.1", sipp.port))
        try:
            call = await driver.originate(OriginateRequest("13800000000", "95500", "call-42", {"campaign_id": "7"}))
            sink = ListSink()
            voiced: list[bytes] = []

            async def frames() -> None:
                async for f in call.incoming_frames():
                    if rms(f) > 300:
                        voiced.append(f)

            reader = asyncio.create_task(frames())

            async def on(ev: CallEvent) -> None:
                if isinstance(ev, Answered):
                    await call.start_recording(sink)
                if isinstance(ev, DtmfReceived):
                    await asyncio.sleep(2.0)  # hear the customer out, then hang up
                    await call.hangup()

            events = await collect(call, on=on)
            await reader
            assert await sipp.wait() == 0, sipp.errors()
        finally:
            await driver.aclose()
        kinds = [type(e) for e in events]
        assert kinds[:2] == [Ringing, Answered]
        assert DtmfReceived("1") in events
        assert isinstance(events[-1], HungUp) and events[-1].by == "local"
        assert call.outcome is Outcome.CONNECTED
        assert call.answered_at is not None and call.ended_at is not None
        assert len(voiced) > 40, "the customer's recorded speech should arrive as voiced frames"
        assert sink.closed and len(sink.inbound) == len(sink.outbound) > 50
        assert sum(rms(f) > 300 for f in sink.inbound) > 40

    run(main())


def test_our_audio_and_dtmf_reach_the_far_end(tmp_path: Path) -> None:
    """sipp echoes our RTP (PCMA negotiated): the tone we play and the digits we send come back."""

    async def main() -> None:
        sipp = Sipp("uas_echo.xml", tmp_path, extra=["-rtp_echo"])
        await sipp.start()
        driver = SipDriver(SipTrunk("127.0.0.1", sipp.port))
        try:
            call = await driver.originate(OriginateRequest("1001", "95500", "echo-1"))
            echoed: list[bytes] = []

            async def frames() -> None:
                async for f in call.incoming_frames():
                    echoed.append(f)

            reader = asyncio.create_task(frames())

            async def on(ev: CallEvent) -> None:
                if isinstance(ev, Answered):
                    await call.play(tone(1000, 600), play_id=1)
                if isinstance(ev, PlaybackFinished):
                    await call.send_dtmf("7#")
                if isinstance(ev, DtmfReceived) and ev.digit == "#":
                    await call.hangup()

            events = await collect(call, on=on)
            await reader
            assert await sipp.wait() == 0, sipp.errors()
        finally:
            await driver.aclose()
        assert call.stream.codec.name == "PCMA"
        assert PlaybackFinished(1, False) in events
        assert [e.digit for e in events if isinstance(e, DtmfReceived)] == ["7", "#"]
        loud = [f for f in echoed if rms(f) > 2000]
        assert len(loud) >= 25, "about 600 ms of our tone should come back"
        spectrum = np.abs(np.fft.rfft(np.frombuffer(b"".join(loud[5:20]), dtype="<i2")))
        peak_hz = np.argmax(spectrum) * 8000 / (2 * (len(spectrum) - 1))
        assert abs(peak_hz - 1000) < 30

    run(main())


@pytest.mark.parametrize(
    ("status", "reason", "outcome", "by"),
    [
        ("486", "Busy Here", Outcome.BUSY, "remote"),
        ("404", "Not Found", Outcome.INVALID_NUMBER, "remote"),
        ("503", "Service Unavailable", Outcome.NETWORK_ERROR, "network"),
        ("603", "Decline", Outcome.REJECTED, "remote"),
    ],
)
def test_rejections_map_to_outcomes_and_are_acked(
    tmp_path: Path, status: str, reason: str, outcome: Outcome, by: str
) -> None:
    async def main() -> None:
        sipp = Sipp("uas_reject.xml", tmp_path, keys={"status": status, "reason": reason})
        await sipp.start()
        driver = SipDriver(SipTrunk("127.0.0.1", sipp.port))
        try:
            call = await driver.originate(OriginateRequest("1002", "95500", f"rej-{status}"))
            events = await collect(call)
            assert await sipp.wait() == 0, sipp.errors()  # sipp insists on our ACK
        finally:
            await driver.aclose()
        last = events[-1]
        assert isinstance(last, HungUp) and last.by == by
        assert last.cause.sip_status == int(status)
        assert call.outcome is outcome
        assert call.answered_at is None

    run(main())


def test_ring_timeout_sends_cancel_and_ends_cancelled(tmp_path: Path) -> None:
    async def main() -> None:
        sipp = Sipp("uas_no_answer.xml", tmp_path)
        await sipp.start()
        driver = SipDriver(SipTrunk("127.0.0.1", sipp.port))
        try:
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            call = await driver.originate(OriginateRequest("1003", "95500", "noans", ring_timeout_s=1.0))
            events = await collect(call)
            elapsed = loop.time() - t0
            assert await sipp.wait() == 0, sipp.errors()
        finally:
            await driver.aclose()
        assert [type(e) for e in events] == [Ringing, HungUp]
        assert call.outcome is Outcome.CANCELLED
        assert 0.9 < elapsed < 3.0

    run(main())


def test_digest_auth_then_hold_reinvite_then_remote_bye(tmp_path: Path) -> None:
    async def main() -> None:
        keys = {"user": "alice", "password": "s3cret", "call_id": "auth-1", "challenge": "401 Unauthorized",
                "challenge_header": "WWW-Authenticate"}
        sipp = Sipp("uas_auth_hold_bye.xml", tmp_path, keys=keys)
        await sipp.start()
        trunk = SipTrunk("127.0.0.1", sipp.port, username="alice", password="s3cret")
        driver = SipDriver(trunk)
        try:
            call = await driver.originate(OriginateRequest("1004", "95500", "auth-1"))
            events = await collect(call)
            assert await sipp.wait() == 0, sipp.errors()
        finally:
            await driver.aclose()
        assert Answered() in events
        last = events[-1]
        assert isinstance(last, HungUp) and last.by == "remote" and last.cause.name == "NORMAL_CLEARING"
        assert call.outcome is Outcome.CONNECTED
        assert call.stream.sending is False, "the far end put us on hold (sendonly): we stop sending"

    run(main())


def test_wrong_password_is_rejected(tmp_path: Path) -> None:
    async def main() -> None:
        keys = {"user": "alice", "password": "right", "call_id": "auth-2", "challenge": "401 Unauthorized",
                "challenge_header": "WWW-Authenticate"}
        sipp = Sipp("uas_auth_hold_bye.xml", tmp_path, keys=keys)
        await sipp.start()
        driver = SipDriver(SipTrunk("127.0.0.1", sipp.port, username="alice", password="wrong"))
        try:
            call = await driver.originate(OriginateRequest("1005", "95500", "auth-2"))
            events = await collect(call)
            assert await sipp.wait() == 0, sipp.errors()
        finally:
            await driver.aclose()
        last = events[-1]
        assert isinstance(last, HungUp) and last.cause.sip_status == 403
        assert call.outcome is Outcome.REJECTED

    run(main())


def test_early_media_arrives_before_answer(tmp_path: Path, customer_audio: Path) -> None:
    async def main() -> None:
        sipp = Sipp("uas_early_media.xml", tmp_path, keys={"audio": str(customer_audio)})
        await sipp.start()
        driver = SipDriver(SipTrunk("127.0.0.1", sipp.port))
        try:
            call = await driver.originate(OriginateRequest("1006", "95500", "early-1"))
            before_answer: list[bytes] = []
            answered = asyncio.Event()

            async def frames() -> None:
                async for f in call.incoming_frames():
                    if not answered.is_set() and rms(f) > 300:
                        before_answer.append(f)

            reader = asyncio.create_task(frames())

            async def on(ev: CallEvent) -> None:
                if isinstance(ev, Answered):
                    answered.set()
                    await call.hangup()

            events = await collect(call, on=on)
            await reader
            assert await sipp.wait() == 0, sipp.errors()
        finally:
            await driver.aclose()
        assert [type(e) for e in events][:2] == [EarlyMedia, Answered]
        assert len(before_answer) > 20

    run(main())


@pytest.mark.parametrize(("password", "ok"), [("s3cret", True), ("nope", False)])
def test_register_with_digest(tmp_path: Path, password: str, ok: bool) -> None:
    async def main() -> None:
        sipp = Sipp("uas_register.xml", tmp_path, keys={"user": "alice", "password": "s3cret"})
        await sipp.start()
        driver = SipDriver(SipTrunk("127.0.0.1", sipp.port, username="alice", password=password, register=True))
        try:
            if ok:
                await driver.start()
            else:
                with pytest.raises(RegistrationFailed, match="403"):
                    await driver.start()
            assert await sipp.wait() == 0, sipp.errors()
        finally:
            await sipp.stop()
            await driver.aclose()

    run(main())


def test_transfer_sends_refer(tmp_path: Path) -> None:
    async def main() -> None:
        sipp = Sipp("uas_refer.xml", tmp_path, keys={"target": "agent"})
        await sipp.start()
        driver = SipDriver(SipTrunk("127.0.0.1", sipp.port))
        try:
            call = await driver.originate(OriginateRequest("1007", "95500", "xfer-1"))

            async def on(ev: CallEvent) -> None:
                if isinstance(ev, Answered):
                    with pytest.raises(ValueError):
                        await call.send_dtmf("")
                    await call.transfer("agent")
                    await asyncio.sleep(0.3)
                    await call.hangup()

            events = await collect(call, on=on)
            assert await sipp.wait() == 0, sipp.errors()  # sipp checked the REFER's Refer-To
        finally:
            await driver.aclose()
        assert isinstance(events[-1], HungUp) and call.outcome is Outcome.CONNECTED

    run(main())


def test_proxy_digest_challenge_407(tmp_path: Path) -> None:
    """407 + Proxy-Authorization; sipp cannot verify it, so the digest is recomputed here (RFC 2617 3.2.2)."""
    import hashlib
    import re

    log = tmp_path / "messages.log"

    async def main() -> None:
        sipp = Sipp("uas_auth_proxy.xml", tmp_path, keys={"user": "alice"},
                    extra=["-trace_msg", "-message_file", str(log)])
        await sipp.start()
        driver = SipDriver(SipTrunk("127.0.0.1", sipp.port, username="alice", password="s3cret"))
        try:
            call = await driver.originate(OriginateRequest("1008", "95500", "auth-407"))

            async def on(ev: CallEvent) -> None:
                if isinstance(ev, Answered):
                    await call.hangup()

            await collect(call, on=on)
            assert await sipp.wait() == 0, sipp.errors()
        finally:
            await driver.aclose()
        assert call.outcome is Outcome.CONNECTED

    run(main())
    line = next(x for x in log.read_text().splitlines() if x.startswith("Proxy-Authorization:"))
    f = dict(re.findall(r'(\w+)="?([^",]+)"?', line.split("Digest", 1)[1]))

    def h(s: str) -> str:
        return hashlib.md5(s.encode()).hexdigest()

    ha1, ha2 = h("alice:huashu.test:s3cret"), h(f"INVITE:{f['uri']}")
    assert f["realm"] == "huashu.test" and f["nonce"] == "0a4f113b5f2d" and f["qop"] == "auth"
    assert f["response"] == h(f"{ha1}:{f['nonce']}:{f['nc']}:{f['cnonce']}:auth:{ha2}")


def test_dtmf_by_sip_info(tmp_path: Path) -> None:
    async def main() -> None:
        sipp = Sipp("uas_info_dtmf.xml", tmp_path, keys={"digit": "#"})
        await sipp.start()
        driver = SipDriver(SipTrunk("127.0.0.1", sipp.port))
        try:
            call = await driver.originate(OriginateRequest("1009", "95500", "info-1"))

            async def on(ev: CallEvent) -> None:
                if isinstance(ev, DtmfReceived):
                    await call.hangup()

            events = await collect(call, on=on)
            assert await sipp.wait() == 0, sipp.errors()  # sipp got its 200 to the INFO
        finally:
            await driver.aclose()
        assert DtmfReceived("#") in events

    run(main())
