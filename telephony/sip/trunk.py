"""Where and how the SIP driver reaches the carrier: one trunk's settings, checked on creation."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from huashu.core.errors import UserError
from huashu.core.telephony_settings import SipSettings

__all__ = ["SipTrunk", "trunk_from_settings"]


@dataclass(frozen=True, slots=True)
class SipTrunk:
    """A SIP trunk (a carrier, a PBX, FreeSWITCH, or sipp in tests).

    ``local_ip`` is both the address we bind and the one we advertise in Via/Contact/SDP;
    ``rtp_port_range`` is inclusive-exclusive and only even ports are used (RTP convention,
    leaving the odd neighbour for RTCP).
    """

    host: str
    port: int = 5060
    transport: str = "udp"
    username: str | None = None
    password: str | None = None
    register: bool = False
    register_expires: int = 300
    from_domain: str | None = None
    local_ip: str = "127.0.0.1"
    local_port: int = 0  # 0: any free port
    rtp_port_range: tuple[int, int] = (20000, 30000)
    max_concurrent: int | None = None
    user_agent: str = "huashu"
    # Send RTP back to where the peer's RTP comes from (peers behind NAT advertise private
    # addresses in SDP). Latches once, on the first packet of the call.
    symmetric_rtp: bool = False

    def __post_init__(self) -> None:
        if not self.host.strip():
            raise UserError("SipTrunk.host is empty")
        if not 0 < self.port < 65536:
            raise UserError(f"SipTrunk.port {self.port} is out of range 1..65535")
        if self.transport not in ("udp", "tcp"):
            raise UserError(f"SipTrunk.transport {self.transport!r} is not supported ('udp' or 'tcp')")
        if (self.username is None) != (self.password is None):
            raise UserError("SipTrunk needs both username and password for digest auth, or neither")
        if self.register and self.username is None:
            raise UserError("SipTrunk.register needs a username and password")
        try:
            ipaddress.IPv4Address(self.local_ip)
        except ValueError:  # ipaddress's own
            raise UserError(f"SipTrunk.local_ip {self.local_ip!r} is not an IPv4 address") from None
        lo, hi = self.rtp_port_range
        if not (1024 <= lo < hi <= 65536 and hi - lo >= 2):
            raise UserError(f"SipTrunk.rtp_port_range {self.rtp_port_range} must be 1024 <= lo < hi <= 65536")
        if self.max_concurrent is not None and self.max_concurrent < 1:
            raise UserError("SipTrunk.max_concurrent must be >= 1")

    @property
    def domain(self) -> str:
        return self.from_domain or self.host

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)


def trunk_from_settings(settings: SipSettings) -> SipTrunk:
    """The checked trunk of the ``[sip]`` settings (raises :class:`UserError` saying which setting is wrong)."""
    return SipTrunk(
        settings.host, settings.port, transport=settings.transport, username=settings.username,
        password=settings.password, register=settings.registration, from_domain=settings.from_domain,
        local_ip=settings.local_ip, local_port=settings.local_port,
        rtp_port_range=(settings.rtp_port_min, settings.rtp_port_max), max_concurrent=settings.max_concurrent,
        symmetric_rtp=settings.symmetric_rtp,
    )
