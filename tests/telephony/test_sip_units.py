"""Pure parts of the SIP driver: RTP and RFC 4733 bytes, the reorder buffer, SDP rules, the clock."""

from __future__ import annotations

import asyncio
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telephony.sip.clock import MediaClock
from telephony.sip.rtp import (
    DtmfEvent,
    RtpError,
    RtpPacket,
    build_dtmf_event,
    build_rtp,
    parse_dtmf_event,
    parse_rtp,
)
from telephony.sip.sdp import SdpError, build_sdp, choose_media
from telephony.sip.trunk import SipTrunk

pytestmark = pytest.mark.offline


def test_rtp_header_bytes_match_rfc3550_layout() -> None:
    pkt = RtpPacket(payload_type=8, sequence=0x1234, timestamp=0xDEADBEEF, ssrc=0x01020304, payload=b"\xd5" * 4, marker=True)
    raw = build_rtp(pkt)
    assert raw == bytes([0x80, 0x88, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3, 4]) + b"\xd5" * 4
    assert parse_rtp(raw) == pkt


@given(
    st.integers(0, 127), st.integers(0, 0xFFFF), st.integers(0, 0xFFFFFFFF), st.integers(0, 0xFFFFFFFF),
    st.binary(max_size=200), st.booleans(),
)
def test_rtp_round_trip(pt: int, seq: int, ts: int, ssrc: int, payload: bytes, marker: bool) -> None:
    pkt = RtpPacket(pt, seq, ts, ssrc, payload, marker)
    assert parse_rtp(build_rtp(pkt)) == pkt


def test_rtp_csrc_extension_and_padding_are_skipped() -> None:
    # V=2, P=1, X=1, CC=1; one CSRC, a one-word extension, 2 payload bytes, 3 padding bytes.
    raw = bytes([0xB1, 0x00, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]) + b"CSRC" + b"\xbe\xde\x00\x01" + b"EXTN" + b"ab" + b"\x00\x00\x03"
    assert parse_rtp(raw).payload == b"ab"


@pytest.mark.parametrize(
    ("raw", "message"),
    [(b"\x80\x00", "too short"), (bytes([0x40]) + bytes(11), "version 1"), (bytes([0xA0]) + bytes(11) + b"\x00", "padding")],
)
def test_bad_rtp_says_what_is_wrong(raw: bytes, message: str) -> None:
    with pytest.raises(RtpError, match=message):
        parse_rtp(raw)


def test_rfc4733_event_bytes() -> None:
    # RFC 4733 section 2.3: event 5, E=1, volume 10, duration 800 samples.
    assert build_dtmf_event(DtmfEvent("5", True, 10, 800)) == bytes([5, 0x8A, 0x03, 0x20])
    assert parse_dtmf_event(bytes([11, 0x0A, 0x00, 0xA0])) == DtmfEvent("#", False, 10, 160)
    with pytest.raises(RtpError, match="code 16"):
        parse_dtmf_event(bytes([16, 0, 0, 0]))


def test_sdp_offer_and_choice() -> None:
    offer = build_sdp("10.0.0.5", 30000, session_id=7)
    assert "m=audio 30000 RTP/AVP 0 8 101\r\n" in offer
    assert "a=rtpmap:101 telephone-event/8000\r\n" in offer
    answer = offer.replace("RTP/AVP 0 8 101", "RTP/AVP 8 101").replace("10.0.0.5", "10.0.0.9")
    choice = choose_media(answer)
    assert (choice.address, choice.payload_type, choice.dtmf_pt, choice.direction) == (("10.0.0.9", 30000), 8, 101, "sendrecv")


def test_sdp_hold_and_refusals() -> None:
    held = build_sdp("10.0.0.5", 30000, direction="sendonly")
    assert choose_media(held).direction == "sendonly"
    with pytest.raises(SdpError, match="no common codec"):
        choose_media(build_sdp("10.0.0.5", 30000).replace("RTP/AVP 0 8 101", "RTP/AVP 18"))
    with pytest.raises(SdpError, match="no m=audio"):
        choose_media("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"host": ""}, "host is empty"),
        ({"host": "x", "port": 0}, "out of range"),
        ({"host": "x", "transport": "tls"}, "not supported"),
        ({"host": "x", "username": "u"}, "both username and password"),
        ({"host": "x", "register": True}, "register needs"),
        ({"host": "x", "local_ip": "localhost"}, "not an IPv4"),
        ({"host": "x", "rtp_port_range": (30000, 20000)}, "rtp_port_range"),
    ],
)
def test_trunk_rejects_bad_settings(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SipTrunk(**kwargs)  # type: ignore[arg-type]


class _Recorder:
    def __init__(self) -> None:
        self.times: list[float] = []

    def tick(self, now: float) -> None:
        self.times.append(now)

    def drain(self, now: float) -> None:
        pass


def test_clock_ticks_every_stream_on_absolute_deadlines() -> None:
    async def main() -> tuple[list[float], list[float], float]:
        clock = MediaClock()
        a, b = _Recorder(), _Recorder()
        clock.add(a)
        clock.add(b)
        t0 = time.monotonic()
        await asyncio.sleep(0.5)
        time.sleep(0.05)  # a stall of 2.5 ticks: the clock catches up instead of drifting
        await asyncio.sleep(0.45)
        elapsed = time.monotonic() - t0
        await clock.aclose()
        return [t - t0 for t in a.times], [t - t0 for t in b.times], elapsed

    ta, tb, elapsed = asyncio.run(main())
    assert len(ta) == len(tb)
    # One tick per 20 ms of wall time: the stall is caught up, nothing is lost to drift.
    assert abs(len(ta) - (elapsed / 0.02 + 1)) <= 2
    # and ticks never run ahead of their deadline
    assert all(t >= i * 0.02 - 0.002 for i, t in enumerate(ta))


def test_clock_isolates_a_failing_stream() -> None:
    class Broken:
        def tick(self, now: float) -> None:
            raise RuntimeError("boom")

        def drain(self, now: float) -> None:
            pass

    async def main() -> int:
        clock = MediaClock()
        good = _Recorder()
        clock.add(Broken())
        clock.add(good)
        await asyncio.sleep(0.1)
        n = len(clock)
        await clock.aclose()
        assert len(good.times) >= 3
        return n

    assert asyncio.run(main()) == 1


def test_malformed_sip_is_answered_400_or_dropped_and_the_agent_survives() -> None:
    import socket

    from telephony.sip import SipDriver, SipTrunk

    async def main() -> tuple[bytes, bytes]:
        driver = SipDriver(SipTrunk("127.0.0.1", 9))
        await driver.start()
        host, port = driver.local_address
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        me = sock.getsockname()[1]
        try:
            sock.sendto(b"\x00\x01garbage that is not SIP\r\n\r\n", (host, port))
            # An OPTIONS without CSeq/Call-ID: RFC 3261 8.1.1 mandatory headers missing.
            bad = (f"OPTIONS sip:x@{host} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{me};branch=z9hG4bKbad\r\n"
                   "From: <sip:t@h>;tag=1\r\nTo: <sip:x@h>\r\nContent-Length: 0\r\n\r\n")
            sock.sendto(bad.encode(), (host, port))
            first = await asyncio.wait_for(loop.sock_recv(sock, 4096), 2)
            good = (f"OPTIONS sip:x@{host} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{me};branch=z9hG4bKok\r\n"
                    "From: <sip:t@h>;tag=1\r\nTo: <sip:x@h>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n"
                    "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
            sock.sendto(good.encode(), (host, port))
            second = await asyncio.wait_for(loop.sock_recv(sock, 4096), 2)
        finally:
            sock.close()
            await driver.aclose()
        return first, second

    first, second = asyncio.run(main())
    assert first.startswith(b"SIP/2.0 400"), first
    assert second.startswith(b"SIP/2.0 "), second  # still answering after the garbage


def test_silent_trunk_retransmits_invite_then_ends_as_network_error_and_line_limit_holds() -> None:
    import socket

    from telephony.contract import HungUp, OriginateRequest
    from telephony.outcomes import Outcome
    from telephony.sip import LineLimitReached, SipDriver, SipTrunk

    async def main() -> tuple[int, object, object]:
        sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # a trunk that never answers
        sink.bind(("127.0.0.1", 0))
        sink.setblocking(False)
        driver = SipDriver(SipTrunk("127.0.0.1", sink.getsockname()[1], max_concurrent=1))
        try:
            call = await driver.originate(OriginateRequest("1", "2", "silent", ring_timeout_s=1.2))
            with pytest.raises(LineLimitReached):
                await driver.originate(OriginateRequest("1", "2", "second"))
            last = None
            async for ev in call.events():
                last = ev
            invites = 0
            while True:
                try:
                    invites += sink.recv(65536).startswith(b"INVITE ")
                except BlockingIOError:
                    break
            return invites, last, call.outcome
        finally:
            sink.close()
            await driver.aclose()

    invites, last, outcome = asyncio.run(main())
    assert invites >= 2, "timer A: the INVITE is sent again at 0.5 s"
    assert isinstance(last, HungUp) and last.by == "network" and last.cause.name == "RECOVERY_ON_TIMER_EXPIRE"
    assert outcome is Outcome.NETWORK_ERROR


def test_symmetric_rtp_latches_to_the_first_packets_source() -> None:
    import socket

    from telephony.sip.media import RtpStream
    from telephony.sip.rtp import RtpPacket, build_rtp, parse_rtp

    async def main() -> bytes:
        loop = asyncio.get_running_loop()
        stream = RtpStream(lambda d: None, lambda p, i: None, lambda f: None)
        await loop.create_datagram_endpoint(lambda: stream, local_addr=("127.0.0.1", 0))
        stream.symmetric = True
        stream.remote = ("127.0.0.1", 9)  # what a NATed peer's SDP would claim
        peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        peer.bind(("127.0.0.1", 0))
        peer.setblocking(False)
        try:
            peer.sendto(build_rtp(RtpPacket(0, 1, 160, 7, b"\xff" * 160)), ("127.0.0.1", stream.local_port))
            await asyncio.sleep(0.05)
            stream.tick(0.0)
            return await asyncio.wait_for(loop.sock_recv(peer, 2048), 1)
        finally:
            peer.close()
            stream.close()

    got = parse_rtp(asyncio.run(main()))
    assert got.payload_type == 0 and len(got.payload) == 160


@pytest.mark.parametrize(
    ("ctype", "body", "digit"),
    [
        ("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", "5"),
        ("application/dtmf-relay; charset=x", "Signal= *\r\n", "*"),
        ("application/dtmf", "b", "B"),
        ("application/dtmf-relay", "Duration=160\r\n", None),
        ("text/plain", "Signal=5", None),
    ],
)
def test_info_dtmf_bodies(ctype: str, body: str, digit: str | None) -> None:
    from telephony.sip.uaglue import info_dtmf_digit

    assert info_dtmf_digit(ctype, body) == digit


def test_retransmitter_backs_off_to_t2_and_stops_at_timer_f() -> None:
    import asyncio as _asyncio

    from telephony.sip.retransmit import Retransmitter

    async def main() -> tuple[list[float], int]:
        loop = _asyncio.get_running_loop()
        r = Retransmitter(t1=0.01, t2=0.04)
        sent: list[float] = []
        t0 = loop.time()
        r.start(("c", 2, "BYE"), lambda: sent.append(loop.time() - t0))
        r.start(("c", 2, "BYE"), lambda: sent.append(-1.0))  # same key: not a second timer
        await _asyncio.sleep(1.3)  # timer F = 64 * t1 = 0.64 s, with room for a busy host
        answered_early = Retransmitter(t1=0.01)
        answered_early.start(("d", 3, "BYE"), lambda: sent.append(-2.0))
        answered_early.answered(("d", 3, "BYE"))
        await _asyncio.sleep(0.05)
        return sent, r.pending + answered_early.pending

    sent, pending = asyncio.run(main())
    assert -1.0 not in sent and -2.0 not in sent
    gaps = [b - a for a, b in zip(sent, sent[1:], strict=False)]
    # 0.01, 0.02, 0.04, 0.04 ... (capped at T2): 17 sends by 0.63 s of timer, then it stops
    assert gaps[0] >= 0.019 and min(gaps[1:]) >= 0.039
    assert len(sent) == 17 and sent[-1] < 1.2
    assert pending == 0
