"""SIP over TCP: sipp with ``-t t1`` as the far end, plus the transport's reconnect on its own."""

from __future__ import annotations

import asyncio
import shutil
import socket
from pathlib import Path

import pytest
from aiosipua import SipRequest
from sipp.peer import Sipp, make_customer_audio

from telephony.contract import Answered, CallEvent, DtmfReceived, HungUp, OriginateRequest, Ringing
from telephony.outcomes import Outcome
from telephony.sip import SipDriver, SipTrunk
from telephony.sip.tcp import GlueTcpTransport, as_tcp


def _run(coro: object) -> object:
    return asyncio.run(asyncio.wait_for(coro, 30))  # type: ignore[arg-type]


async def _events(call: object, hang_up_on_dtmf: bool = False) -> list[CallEvent]:
    out: list[CallEvent] = []
    async for ev in call.events():  # type: ignore[attr-defined]
        out.append(ev)
        if hang_up_on_dtmf and isinstance(ev, DtmfReceived):
            await asyncio.sleep(0.3)
            await call.hangup()  # type: ignore[attr-defined]
    return out


@pytest.mark.sipp
@pytest.mark.timeout(60)
def test_answer_and_talk_over_tcp_on_one_connection(tmp_path: Path) -> None:
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.skip("espeak-ng and sox are needed to record the customer")
    audio = make_customer_audio(tmp_path, "Hello, yes.")

    async def main() -> tuple[list[CallEvent], object, int]:
        sipp = Sipp("uas_answer_talk.xml", tmp_path, keys={"audio": str(audio), "call_id": "tcp-1"}, transport="tcp")
        await sipp.start()
        driver = SipDriver(SipTrunk("127.0.0.1", sipp.port, transport="tcp"))
        try:
            call = await driver.originate(OriginateRequest("13800000000", "95500", "tcp-1"))
            events = await _events(call, hang_up_on_dtmf=True)
            assert await sipp.wait() == 0, sipp.errors()
            connects = driver._transport.connects  # type: ignore[union-attr]
        finally:
            await driver.aclose()
        return events, call, connects

    events, call, connects = _run(main())  # type: ignore[misc]
    assert [type(e) for e in events[:2]] == [Ringing, Answered]
    assert DtmfReceived("1") in events
    assert isinstance(events[-1], HungUp) and events[-1].by == "local"
    assert call.outcome is Outcome.CONNECTED  # type: ignore[attr-defined]
    assert connects == 1, "INVITE, ACK and BYE share one connection"


@pytest.mark.sipp
@pytest.mark.timeout(60)
def test_busy_over_tcp_is_acked_and_mapped(tmp_path: Path) -> None:
    async def main() -> list[CallEvent]:
        sipp = Sipp("uas_reject.xml", tmp_path, keys={"status": "486", "reason": "Busy Here"}, transport="tcp", calls=2)
        await sipp.start()
        driver = SipDriver(SipTrunk("127.0.0.1", sipp.port, transport="tcp"))
        try:
            first = await driver.originate(OriginateRequest("1002", "95500", "tcp-busy-1"))
            events = await _events(first)
            second = await driver.originate(OriginateRequest("1002", "95500", "tcp-busy-2"))
            events += await _events(second)
            assert await sipp.wait() == 0, sipp.errors()  # sipp insists on our ACKs
            assert driver._transport.connects == 1  # type: ignore[union-attr]
        finally:
            await driver.aclose()
        return events

    events = _run(main())
    hung = [e for e in events if isinstance(e, HungUp)]  # type: ignore[union-attr]
    assert len(hung) == 2
    assert all(h.cause.sip_status == 486 and h.by == "remote" for h in hung)


def test_unreachable_tcp_trunk_ends_the_call_at_once() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there

    async def main() -> tuple[list[CallEvent], float]:
        driver = SipDriver(SipTrunk("127.0.0.1", port, transport="tcp"))
        loop = asyncio.get_running_loop()
        try:
            started = loop.time()
            call = await driver.originate(OriginateRequest("1003", "95500", "tcp-down"))
            events = await _events(call)
            return events, loop.time() - started
        finally:
            await driver.aclose()

    events, took = _run(main())  # type: ignore[misc]
    assert isinstance(events[-1], HungUp) and events[-1].by == "network"
    assert events[-1].cause.name == "NETWORK_OUT_OF_ORDER"
    assert took < 5, "a refused connection must not wait for timer B"


def test_reconnects_after_the_peer_drops_the_connection() -> None:
    """The peer closes after each message; the next send opens a new connection (framing intact)."""

    async def main() -> tuple[list[bytes], int]:
        received: list[bytes] = []

        async def peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(next(ln for ln in head.split(b"\r\n") if ln.lower().startswith(b"content-length")).split(b":")[1])
            received.append(head + await reader.readexactly(length))
            writer.close()

        server = await asyncio.start_server(peer, "127.0.0.1", 0)
        addr = server.sockets[0].getsockname()[:2]
        transport = GlueTcpTransport(("127.0.0.1", 0))
        await transport.start()
        try:
            for n in (1, 2):
                req = SipRequest(method="OPTIONS", uri=f"sip:{addr[0]}:{addr[1]}")
                req.headers.append("Via", f"SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK{n}")
                req.headers.set_single("Call-ID", f"c{n}")
                req.headers.set_single("CSeq", f"{n} OPTIONS")
                req.body = b"x" * n
                req.headers.set_single("Content-Length", str(n))
                transport.send(req, addr)
                for _ in range(100):
                    if len(received) == n:
                        break
                    await asyncio.sleep(0.01)
                await asyncio.sleep(0.05)  # let the reader see the close
        finally:
            await transport.stop()
            server.close()
        return received, transport.connects

    received, connects = _run(main())  # type: ignore[misc]
    assert len(received) == 2 and connects == 2
    assert b"Via: SIP/2.0/TCP 127.0.0.1:5060" in received[0]
    assert received[1].endswith(b"\r\n\r\nxx")


def test_as_tcp_marks_contact_but_keeps_an_explicit_transport() -> None:
    req = SipRequest(method="BYE", uri="sip:a@b")
    req.headers.set_single("Contact", "<sip:127.0.0.1:5070>")
    as_tcp(req)
    assert req.headers.get_first("contact") == "<sip:127.0.0.1:5070;transport=tcp>"
    req.headers.set_single("Contact", "<sip:127.0.0.1:5070;transport=TLS>")
    as_tcp(req)
    assert req.headers.get_first("contact") == "<sip:127.0.0.1:5070;transport=TLS>"


def test_trunk_and_settings_accept_tcp_and_refuse_others() -> None:
    from pydantic import ValidationError

    from huashu.core.telephony_settings import SipSettings
    from telephony.sip.trunk import trunk_from_settings

    assert trunk_from_settings(SipSettings(transport="tcp")).transport == "tcp"
    with pytest.raises(ValueError, match="'tls' is not supported"):
        SipTrunk("127.0.0.1", transport="tls")
    with pytest.raises(ValidationError):
        SipSettings(transport="tls")  # type: ignore[arg-type]
