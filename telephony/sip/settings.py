"""Runtime settings for the SIP driver (``HUASHU_SIP__*`` once wired into Settings)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from telephony.sip.trunk import SipTrunk

__all__ = ["SipSettings"]


class SipSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(5060, ge=1, le=65535)
    transport: Literal["udp", "tcp"] = "udp"  # HUASHU_SIP__TRANSPORT
    username: str | None = None
    password: str | None = None
    registration: bool = False  # REGISTER with the trunk (HUASHU_SIP__REGISTRATION)
    from_domain: str | None = None
    local_ip: str = "127.0.0.1"
    local_port: int = Field(0, ge=0, le=65535)
    rtp_port_min: int = Field(20000, ge=1024, le=65535)
    rtp_port_max: int = Field(30000, ge=1024, le=65536)
    max_concurrent: int | None = Field(None, ge=1)
    symmetric_rtp: bool = False

    def to_trunk(self) -> SipTrunk:
        """The checked trunk (raises :class:`UserError` saying which setting is wrong)."""
        return SipTrunk(
            self.host, self.port, transport=self.transport, username=self.username, password=self.password, register=self.registration,
            from_domain=self.from_domain, local_ip=self.local_ip, local_port=self.local_port,
            rtp_port_range=(self.rtp_port_min, self.rtp_port_max), max_concurrent=self.max_concurrent,
            symmetric_rtp=self.symmetric_rtp,
        )
