"""What the SIP driver adds to aiosipua 0.7.1: three small gaps, kept in one place.

- ``GlueUdpTransport``: aiosipua's UDP protocol asserts ``isinstance(t, asyncio.DatagramTransport)``
  in ``connection_made``, false for Python 3.11's selector transport; we bind the socket ourselves.
- ``GlueUAC``: the 401/407 retry rebuilds the INVITE without the call's extra (X-) headers.
- ``non2xx_ack``: aiosipua ACKs only 2xx; a UAC must ACK every non-2xx final response in the
  INVITE's own transaction (RFC 3261 17.1.1.3), or the far end retransmits it for 32 s.
- ``DialogRoutes``: aiosipua sends every in-dialog request (2xx ACK, BYE, INFO, REFER, PRACK,
  session refresh) to the address the INVITE went to, with the To URI as Request-URI; the
  transport's ``send`` is the one place all of them pass, so the RFC 3261 §12 routing of
  :mod:`telephony.sip.routing` is applied there.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, cast

from aiosipua import SipRequest, SipResponse, SipUAC
from aiosipua.headers import CSeq, stringify_cseq
from aiosipua.transport import UdpSipTransport

from telephony.sip.routing import RoutePlan

__all__ = [
    "DialogRoutes",
    "GlueUdpTransport",
    "GlueUAC",
    "non2xx_ack",
    "in_dialog_reply",
    "info_dtmf_digit",
]

_log = logging.getLogger(__name__)


class DialogRoutes:
    """Each dialog's :class:`RoutePlan` by Call-ID, applied to in-dialog requests on their way out.

    ``reasons`` (Call-ID -> ``Reason`` value, RFC 3326) is stamped on that call's BYE or
    CANCEL: aiosipua builds both without a way to add a header.
    """

    def __init__(self) -> None:
        self.plans: dict[str, RoutePlan] = {}
        self.reasons: dict[str, str] = {}

    def route(self, message: SipRequest | SipResponse, addr: tuple[str, int]) -> tuple[str, int]:
        """Rewrite an in-dialog request's Request-URI and Route headers; return where it goes.

        In-dialog means: it carries the peer's To tag (the initial INVITE, its CANCEL and the
        non-2xx ACK do not, and they follow the INVITE to ``addr``). Responses are untouched.
        """
        if not isinstance(message, SipRequest):
            return addr
        if message.method in ("BYE", "CANCEL") and message.call_id in self.reasons:
            message.headers.set_single("Reason", self.reasons[message.call_id or ""])
        if message.method == "CANCEL":
            return addr
        plan = self.plans.get(message.call_id or "")
        to = message.to_addr
        if plan is None or to is None or not to.tag:
            return addr
        uri, routes = plan.request_line_and_routes()
        message.uri = uri
        message.headers.remove("Route")
        for value in routes:
            message.headers.append("Route", value)
        try:
            return plan.next_hop()
        except ValueError:
            _log.warning("call %s: unusable target %r; sending to %s", message.call_id, uri, addr)
            return addr


class GlueUdpTransport(UdpSipTransport):
    """aiosipua's UDP transport, bound with a protocol that works on Python 3.11.

    aiosipua 0.7.1 asserts ``isinstance(t, asyncio.DatagramTransport)`` in
    ``connection_made``, which is false for 3.11's selector transport (it logs an error on
    every start); the transport itself is fine, so we bind it ourselves.
    """

    async def start(self) -> None:
        owner = self

        class _Proto(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
                owner._dispatch(data, (str(addr[0]), int(addr[1])))

            def error_received(self, exc: Exception) -> None:
                _log.debug("SIP socket error: %s", exc)

        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            _Proto, local_addr=self.local_addr
        )
        self._udp_transport = cast(asyncio.DatagramTransport, transport)
        self.local_addr = transport.get_extra_info("sockname")[:2]

    def send(self, message: SipRequest | SipResponse, addr: tuple[str, int]) -> None:
        super().send(message, self.routes.route(message, addr))

    @property
    def routes(self) -> DialogRoutes:
        """Created on first use: aiosipua's transports are dataclasses with their own ``__init__``."""
        existing: DialogRoutes | None = self.__dict__.get("_routes")
        if existing is None:
            existing = self.__dict__["_routes"] = DialogRoutes()
        return existing


class GlueUAC(SipUAC):
    """Keeps each call's extra headers on re-built INVITEs (the 401/407 retry drops them)."""

    def __init__(self, transport: Any, **kw: Any) -> None:
        super().__init__(transport, **kw)
        self.extra_headers: dict[str, dict[str, str]] = {}

    def _build_invite(self, dialog: Any, **kw: Any) -> SipRequest:
        invite: SipRequest = super()._build_invite(dialog, **kw)
        for name, value in self.extra_headers.get(dialog.call_id, {}).items():
            invite.headers.set_single(name, value)
        return invite


def non2xx_ack(resp: SipResponse) -> SipRequest | None:
    """The ACK for a non-2xx final response: same branch (top Via), To with the peer's tag.

    The Request-URI is the To URI, which is what we put in the INVITE's Request-URI.
    """
    cseq = resp.cseq
    to = resp.get_header("To")
    vias = resp.get_header_values("Via")
    if cseq is None or to is None or not vias:
        return None
    uri_m = re.search(r"<([^>]+)>", to)
    ack = SipRequest(method="ACK", uri=uri_m.group(1) if uri_m else to.split(";")[0].strip())
    ack.headers.append("Via", re.sub(r";(received|rport)(=[^;]*)?", "", vias[0]))
    ack.headers.set_single("Max-Forwards", "70")
    ack.headers.set_single("From", resp.get_header("From") or "")
    ack.headers.set_single("To", to)
    ack.headers.set_single("Call-ID", resp.call_id or "")
    ack.headers.set_single("CSeq", stringify_cseq(CSeq(seq=cseq.seq, method="ACK")))
    ack.headers.set_single("Content-Length", "0")
    return ack


def in_dialog_reply(request: SipRequest, status: int, reason: str) -> SipResponse:
    """A response to an in-dialog request: headers echoed as they came (the To tag is already there)."""
    resp = SipResponse(status_code=status, reason_phrase=reason)
    for via in request.headers.get("via"):
        resp.headers.append("Via", via)
    for name in ("From", "To", "Call-ID", "CSeq"):
        value = request.headers.get_first(name)
        if value is not None:
            resp.headers.set_single(name, value)
    resp.headers.set_single("Content-Length", "0")
    return resp


_SIGNAL = re.compile(r"^\s*Signal\s*=\s*([0-9*#A-Da-d])\s*$", re.MULTILINE)


def info_dtmf_digit(content_type: str | None, body: str) -> str | None:
    """The key in a SIP INFO (``application/dtmf-relay`` ``Signal=5`` or ``application/dtmf`` ``5``)."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype == "application/dtmf-relay":
        m = _SIGNAL.search(body)
        return m.group(1).upper() if m else None
    if ctype == "application/dtmf":
        text = body.strip()
        return text.upper() if len(text) == 1 and text in "0123456789*#ABCDabcd" else None
    return None
