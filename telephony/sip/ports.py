"""Bind each call's RTP socket on the next free even port of the trunk's range."""

from __future__ import annotations

import asyncio
import errno
from collections.abc import Callable

from huashu.core.errors import HuashuError

__all__ = ["RtpPortPool", "PortsExhausted"]


class PortsExhausted(HuashuError, RuntimeError):
    """Every even port of the range is taken (by our calls or by other programs)."""


class RtpPortPool:
    def __init__(self, ip: str, port_range: tuple[int, int]) -> None:
        self.ip = ip
        lo, hi = port_range
        self._ports = list(range(lo + (lo % 2), hi, 2))
        self._next = 0
        self._used: set[int] = set()

    async def bind(
        self, factory: Callable[[], asyncio.DatagramProtocol]
    ) -> tuple[asyncio.DatagramTransport, asyncio.DatagramProtocol, int]:
        loop = asyncio.get_running_loop()
        for _ in range(len(self._ports)):
            port = self._ports[self._next]
            self._next = (self._next + 1) % len(self._ports)
            if port in self._used:
                continue
            try:
                transport, proto = await loop.create_datagram_endpoint(factory, local_addr=(self.ip, port))
            except OSError as exc:
                if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                    continue
                raise
            self._used.add(port)
            return transport, proto, port
        raise PortsExhausted(f"no free even RTP port in {self._ports[0]}..{self._ports[-1]} on {self.ip}")

    def release(self, port: int) -> None:
        self._used.discard(port)
