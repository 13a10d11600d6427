"""SIP over TCP (RFC 3261 §18): one connection per peer, opened on demand, reopened after loss.

aiosipua 0.7.1 has a TCP transport with Content-Length framing (reused here) but its
``send`` raises unless the caller connected first, it never reconnects, it stamps ``UDP`` in
the Via of every request it builds, and a response to a request that came over a
connection is routed by the Via's sent-by port instead of going back on that connection.
This subclass fills those four gaps; the driver uses it for ``SipTrunk(transport="tcp")``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

from aiosipua import SipRequest, SipResponse
from aiosipua.headers import parse_via, stringify_via
from aiosipua.transport import TcpSipTransport

from telephony.sip.uaglue import DialogRoutes

__all__ = ["GlueTcpTransport", "as_tcp"]

_log = logging.getLogger(__name__)
_CONNECT_TIMEOUT_S = 5.0
_VIA_UDP = re.compile(r"^SIP/2\.0/UDP\b", re.IGNORECASE)
_CONTACT_URI = re.compile(r"<(sips?:[^>]*)>")

Unreachable = Callable[[list[SipRequest | SipResponse], tuple[str, int], str], None]


def as_tcp(message: SipRequest | SipResponse) -> None:
    """Say TCP where aiosipua wrote UDP: our top Via (requests) and our Contact."""
    if isinstance(message, SipRequest):
        vias = message.headers.get("via")
        if vias and _VIA_UDP.match(vias[0]):
            message.headers.remove("Via")
            message.headers.append("Via", _VIA_UDP.sub("SIP/2.0/TCP", vias[0]))
            for rest in vias[1:]:
                message.headers.append("Via", rest)
    contact = message.headers.get_first("contact")
    if contact is not None and "transport=" not in contact.lower():
        message.headers.set_single("Contact", _CONTACT_URI.sub(r"<\1;transport=tcp>", contact, count=1))


class GlueTcpTransport(TcpSipTransport):
    """aiosipua's TCP transport with connect-on-send, reconnect and connection-bound replies."""

    def __init__(self, local_addr: tuple[str, int]) -> None:
        super().__init__(local_addr=local_addr)
        self.routes = DialogRoutes()
        self._pending: dict[tuple[str, int], list[SipRequest | SipResponse]] = {}
        self.on_unreachable: Unreachable | None = None
        self.connects = 0  # connections we opened (tests check reuse)

    async def start(self) -> None:
        await super().start()
        assert self._server is not None
        self.local_addr = self._server.sockets[0].getsockname()[:2]

    def send(self, message: SipRequest | SipResponse, addr: tuple[str, int]) -> None:
        addr = self.routes.route(message, addr)
        as_tcp(message)
        if addr in self._connections:
            super().send(message, addr)
            return
        queue = self._pending.get(addr)
        if queue is not None:  # a connect is already under way
            queue.append(message)
            return
        self._pending[addr] = [message]
        self._spawn(self._connect_and_flush(addr))

    async def _connect_and_flush(self, addr: tuple[str, int]) -> None:
        try:
            async with asyncio.timeout(_CONNECT_TIMEOUT_S):
                await self.connect(addr)
        except (OSError, TimeoutError) as exc:
            lost = self._pending.pop(addr, [])
            _log.warning("SIP/TCP connect to %s:%d failed: %s", addr[0], addr[1], exc)
            if self.on_unreachable is not None:
                self.on_unreachable(lost, addr, str(exc) or type(exc).__name__)
            return
        self.connects += 1
        for message in self._pending.pop(addr, []):
            super().send(message, addr)

    def _dispatch(self, data: bytes, addr: tuple[str, int]) -> None:
        """Pin responses to the connection a request came on (RFC 3261 §18.2.2): received/rport."""
        head, sep, body = data.partition(b"\r\n\r\n")
        first, _, rest = head.partition(b"\r\n")
        if not first.startswith(b"SIP/2.0 ") and sep:
            lines = rest.split(b"\r\n")
            for i, line in enumerate(lines):
                name = line.split(b":", 1)[0].strip().lower()
                if name in (b"via", b"v"):
                    lines[i] = b"Via: " + _pin_via(line.split(b":", 1)[1].decode(errors="replace"), addr).encode()
                    break
            data = first + b"\r\n" + b"\r\n".join(lines) + sep + body
        super()._dispatch(data, addr)


def _pin_via(value: str, addr: tuple[str, int]) -> str:
    first, comma, others = value.partition(",")
    via: Any = parse_via(first.strip())
    via.params["received"] = addr[0]
    via.params["rport"] = str(addr[1])
    return stringify_via(via) + (comma + others if comma else "")
