"""RFC 3261 §12 in-dialog routing: the pure rules, then the driver against sipp.

sipp answers with a ``Contact`` that is not sipp (and a ``Record-Route`` set); a small UDP
listener in the test stands in for the box the peer named, records what reaches it and
answers the BYE. Before the fix every ACK and BYE went back to the trunk address (sipp),
so the listener's log is the evidence.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sipp.peer import Sipp

from telephony.contract import Answered, HungUp, OriginateRequest
from telephony.sip import SipDriver, SipTrunk
from telephony.sip.routing import (
    RoutePlan,
    plan_for_uac,
    plan_for_uas,
    refresh_target,
    split_uris,
    uri_host_port,
)

# --- pure rules --------------------------------------------------------------------------------


def test_uac_reverses_record_route_and_targets_contact() -> None:
    plan = plan_for_uac(
        ['"Far" <sip:far@10.0.0.9:5070;transport=udp>;expires=60'],
        ["<sip:p2.example;lr>, <sip:p1.example:5062;lr;ftag=a>"],
        "sip:13800000000@trunk",
    )
    assert plan.remote_target == "sip:far@10.0.0.9:5070;transport=udp"
    assert plan.route_set == ("<sip:p1.example:5062;lr;ftag=a>", "<sip:p2.example;lr>")
    assert not plan.strict
    assert plan.request_line_and_routes() == (plan.remote_target, list(plan.route_set))
    assert plan.next_hop() == ("p1.example", 5062)


def test_uas_keeps_record_route_order() -> None:
    plan = plan_for_uas(["<sip:a@1.2.3.4>"], ["<sip:p1;lr>", "<sip:p2;lr>"], "sip:x@y")
    assert plan.route_set == ("<sip:p1;lr>", "<sip:p2;lr>")
    assert plan.next_hop() == ("p1", 5060)


def test_strict_router_becomes_request_uri_and_target_goes_last() -> None:
    plan = RoutePlan("sip:far@10.0.0.9:5070", ("<sip:strict.example:5080;maddr=x>", "<sip:p2;lr>"))
    assert plan.strict
    uri, routes = plan.request_line_and_routes()
    assert uri == "sip:strict.example:5080;maddr=x"
    assert routes == ["<sip:p2;lr>", "<sip:far@10.0.0.9:5070>"]
    assert plan.next_hop() == ("strict.example", 5080)


def test_no_route_set_goes_to_the_target_and_no_contact_keeps_fallback() -> None:
    assert RoutePlan("sip:a@[::1]:5090").next_hop() == ("::1", 5090)
    assert plan_for_uac([], [], "sip:b@host").remote_target == "sip:b@host"
    refreshed = refresh_target(RoutePlan("sip:old@h", ("<sip:p;lr>",)), ["<sip:new@h2:7000>"])
    assert refreshed == RoutePlan("sip:new@h2:7000", ("<sip:p;lr>",))
    assert refresh_target(refreshed, []) is refreshed


def test_split_respects_quotes_and_brackets() -> None:
    assert split_uris(['"Doe, J" <sip:a@b;x=1,2>, <sip:c@d>']) == ['"Doe, J" <sip:a@b;x=1,2>', "<sip:c@d>"]
    with pytest.raises(ValueError, match="not a SIP URI"):
        uri_host_port("tel:+123")


# --- against sipp ----------------------------------------------------------------------------


class _Listener(asyncio.DatagramProtocol):
    """Records SIP requests (first line and Route headers) and answers BYE with 200."""

    def __init__(self, ignore_byes: int = 0) -> None:
        self.requests: list[tuple[str, list[str]]] = []
        self.transport: asyncio.DatagramTransport | None = None
        self.ignore_byes = ignore_byes  # pretend the first BYEs were lost on the way

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        head = data.decode(errors="replace").split("\r\n\r\n", 1)[0].split("\r\n")
        routes = [line.split(":", 1)[1].strip() for line in head[1:] if line.lower().startswith("route:")]
        self.requests.append((head[0], routes))
        if head[0].startswith("BYE ") and self.ignore_byes > 0:
            self.ignore_byes -= 1
            return
        if head[0].startswith("BYE ") and self.transport is not None:
            keep = [ln for ln in head[1:] if ln.split(":", 1)[0].lower() in ("via", "from", "to", "call-id", "cseq")]
            reply = "\r\n".join(["SIP/2.0 200 OK", *keep, "Content-Length: 0", "", ""])
            self.transport.sendto(reply.encode(), addr)


async def _call_through(tmp_path: Path, route_header: str, contact: str, listener: _Listener) -> HungUp:
    sipp = Sipp("uas_contact_route.xml", tmp_path, keys={"route_header": route_header, "contact": contact})
    await sipp.start()
    driver = SipDriver(SipTrunk("127.0.0.1", sipp.port))
    try:
        call = await driver.originate(OriginateRequest("13800000000", "95500", "route-1"))
        last: HungUp | None = None
        async for ev in call.events():
            if isinstance(ev, Answered):
                await asyncio.sleep(0.2)
                await call.hangup()
            if isinstance(ev, HungUp):
                last = ev
        for _ in range(50):
            if any(r[0].startswith("BYE ") for r in listener.requests):
                break
            await asyncio.sleep(0.02)
        assert await sipp.wait() == 0, sipp.errors()
        for _ in range(150):  # a lost BYE is resent at T1 (0.5 s), 2·T1 ...
            if driver.retransmitter.pending == 0:
                break
            await asyncio.sleep(0.02)
    finally:
        await driver.aclose()
    assert last is not None
    return last


async def _with_listener(tmp_path: Path, build: object, ignore_byes: int = 0) -> tuple[_Listener, HungUp]:
    loop = asyncio.get_running_loop()
    transport, listener = await loop.create_datagram_endpoint(
        lambda: _Listener(ignore_byes), local_addr=("127.0.0.1", 0)
    )
    port = transport.get_extra_info("sockname")[1]
    try:
        route_header, contact = build(port)  # type: ignore[operator]
        hung = await _call_through(tmp_path, route_header, contact, listener)
    finally:
        transport.close()
    return listener, hung


def _run(coro: object) -> tuple[_Listener, HungUp]:
    return asyncio.run(asyncio.wait_for(coro, 30))  # type: ignore[arg-type]


@pytest.mark.sipp
@pytest.mark.timeout(60)
def test_ack_and_bye_go_to_the_contact_of_the_2xx(tmp_path: Path) -> None:
    listener, hung = _run(
        _with_listener(tmp_path, lambda port: ("X-No-Record-Route: 1", f"sip:far@127.0.0.1:{port}"))
    )
    methods = [r[0] for r in listener.requests]
    assert any(m.startswith("ACK sip:far@127.0.0.1:") for m in methods), methods
    assert any(m.startswith("BYE sip:far@127.0.0.1:") for m in methods), methods
    assert all(routes == [] for _, routes in listener.requests)
    assert hung.by == "local"


@pytest.mark.sipp
@pytest.mark.timeout(60)
def test_loose_record_route_is_reversed_and_sent_to_the_first_hop(tmp_path: Path) -> None:
    listener, _ = _run(
        _with_listener(
            tmp_path,
            lambda port: (
                f"Record-Route: <sip:p2.invalid;lr>, <sip:127.0.0.1:{port};lr>",
                "sip:far@10.255.255.1:5099",  # never contacted: the route's first hop is
            ),
        )
    )
    seen = {line.split()[0]: (line, routes) for line, routes in listener.requests}
    assert set(seen) >= {"ACK", "BYE"}, listener.requests
    for method in ("ACK", "BYE"):
        line, routes = seen[method]
        assert line == f"{method} sip:far@10.255.255.1:5099 SIP/2.0"
        assert routes[0].startswith("<sip:127.0.0.1:") and routes[0].endswith(";lr>")
        assert routes[1:] == ["<sip:p2.invalid;lr>"]


@pytest.mark.sipp
@pytest.mark.timeout(60)
def test_strict_record_route_puts_the_router_in_the_request_uri(tmp_path: Path) -> None:
    listener, _ = _run(
        _with_listener(tmp_path, lambda port: (f"Record-Route: <sip:127.0.0.1:{port}>", "sip:far@10.255.255.1:5099"))
    )
    seen = {line.split()[0]: (line, routes) for line, routes in listener.requests}
    assert set(seen) >= {"ACK", "BYE"}, listener.requests
    for method in ("ACK", "BYE"):
        line, routes = seen[method]
        assert line.startswith(f"{method} sip:127.0.0.1:") and line.endswith(" SIP/2.0")
        assert routes == ["<sip:far@10.255.255.1:5099>"]


@pytest.mark.sipp
@pytest.mark.timeout(60)
def test_peer_reinvite_refreshes_the_target_of_our_bye(tmp_path: Path) -> None:
    async def main() -> list[tuple[str, list[str]]]:
        loop = asyncio.get_running_loop()
        transport, listener = await loop.create_datagram_endpoint(_Listener, local_addr=("127.0.0.1", 0))
        port = transport.get_extra_info("sockname")[1]
        sipp = Sipp("uas_target_refresh.xml", tmp_path, keys={"refresh_contact": f"sip:moved@127.0.0.1:{port}"})
        await sipp.start()
        driver = SipDriver(SipTrunk("127.0.0.1", sipp.port))
        try:
            call = await driver.originate(OriginateRequest("1007", "95500", "refresh-1"))
            async for ev in call.events():
                if isinstance(ev, Answered):
                    assert await sipp.wait() == 0, sipp.errors()  # re-INVITE answered and ACKed
                    await call.hangup()
            for _ in range(50):
                if listener.requests:
                    break
                await asyncio.sleep(0.02)
        finally:
            await driver.aclose()
            transport.close()
        return listener.requests

    requests = asyncio.run(asyncio.wait_for(main(), 30))
    assert len(requests) == 1, requests  # only the BYE: nothing else of this dialog came here
    assert requests[0][0].startswith("BYE sip:moved@127.0.0.1:")


@pytest.mark.sipp
@pytest.mark.timeout(60)
def test_a_lost_bye_is_resent_until_answered(tmp_path: Path) -> None:
    listener, _ = _run(
        _with_listener(tmp_path, lambda port: ("X-No-Record-Route: 1", f"sip:far@127.0.0.1:{port}"), ignore_byes=2)
    )
    byes = [line for line, _ in listener.requests if line.startswith("BYE ")]
    assert len(byes) == 3, listener.requests  # two dropped, the third answered, then no more
