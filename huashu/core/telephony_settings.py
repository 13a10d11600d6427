"""Settings of the telephony drivers: FreeSWITCH (``HUASHU_FREESWITCH__*``) and plain SIP
(``HUASHU_SIP__*``). Plain data in the bottom layer; ``telephony`` turns them into its objects
(:func:`telephony.sip.trunk.trunk_from_settings`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

__all__ = ["FreeswitchSettings", "SipSettings", "SESSIONS_PER_BRIDGED_CALL"]

#: A bridged call costs the switch two sessions: the customer's leg and the leg to the runtime.
SESSIONS_PER_BRIDGED_CALL = 2


class FreeswitchSettings(BaseModel):
    """Where FreeSWITCH's Event Socket is, how to dial out, and where its media goes.

    ``media_endpoint`` is the runtime's SIP endpoint (``user@ip:port``) that FreeSWITCH bridges
    the answered customer to; leave it empty to park calls (events only, no runtime media).

    Defaults keep out of the switch's way on one host: the runtime's SIP port (5090) is none of
    FreeSWITCH's own (5060 internal, 5080 external, 5061/5081 TLS), and its RTP range
    (``media_rtp_port_min..max``) does not overlap the switch's (``switch_rtp_port_min..max``,
    what ``deploy/freeswitch/vars_huashu.xml`` sets; refused at load if they overlap).

    Pacing: ``cps`` calls a second, each costing ``SESSIONS_PER_BRIDGED_CALL`` of the switch's
    ``sessions-per-second`` (``switch_sessions_per_second``, also set by the deploy files). The
    driver reads the switch's real limit when it connects and paces below it either way.
    """

    host: str = "127.0.0.1"
    port: int = Field(8021, ge=1, le=65535)
    password: str = "ClueCon"  # noqa: S105 - FreeSWITCH's own default; docs/telephony-sip-freeswitch.md says to change it
    gateway: str = "huashu"
    max_concurrent: int | None = Field(None, ge=1)
    cps: float | None = Field(20.0, gt=0)
    switch_sessions_per_second: int = Field(100, ge=1)
    media_endpoint: str | None = None
    media_listen_ip: str = "127.0.0.1"
    media_listen_port: int = Field(5090, ge=0, le=65535)
    media_rtp_port_min: int = Field(20000, ge=1024, le=65535)
    media_rtp_port_max: int = Field(30000, ge=1024, le=65536)
    switch_rtp_port_min: int = Field(16384, ge=1024, le=65535)
    switch_rtp_port_max: int = Field(19998, ge=1024, le=65535)
    transfer_context: str = Field("huashu", pattern=r"^[A-Za-z0-9_-]+$")
    #: bridge the carrier's early media (183 with SDP) to the runtime's leg, so the answer
    #: classifier hears announcements and 彩铃 before answer (docs/answering.md); the bot is
    #: told "answered" only at the customer's own answer
    early_media: bool = False
    record_dir: str | None = None  # on the FreeSWITCH host; uuid_record writes <dir>/<call_id>.wav
    reconnect_max_s: float = Field(5.0, gt=0)

    @model_validator(mode="after")
    def _check(self) -> FreeswitchSettings:
        if self.media_rtp_port_min >= self.media_rtp_port_max:
            raise ValueError("freeswitch.media_rtp_port_min must be below media_rtp_port_max")
        if self.switch_rtp_port_min > self.switch_rtp_port_max:
            raise ValueError("freeswitch.switch_rtp_port_min must not be above switch_rtp_port_max")
        if self.media_rtp_port_min <= self.switch_rtp_port_max and self.switch_rtp_port_min < self.media_rtp_port_max:
            raise ValueError(
                f"freeswitch: the runtime's RTP ports {self.media_rtp_port_min}-{self.media_rtp_port_max} overlap "
                f"the switch's {self.switch_rtp_port_min}-{self.switch_rtp_port_max} (rtp-start-port/rtp-end-port); "
                "one host cannot bind both"
            )
        return self

    @property
    def sessions_per_call(self) -> int:
        return SESSIONS_PER_BRIDGED_CALL if self.media_endpoint else 1


class SipSettings(BaseModel):
    """The plain SIP driver's trunk and media ports; :func:`telephony.sip.trunk.trunk_from_settings`
    checks them into a ``SipTrunk``."""

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
