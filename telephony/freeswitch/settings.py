"""Runtime settings for the FreeSWITCH driver (``HUASHU_FREESWITCH__*`` once wired into Settings)."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["FreeswitchSettings"]


class FreeswitchSettings(BaseModel):
    """Where FreeSWITCH's Event Socket is, how to dial out, and where its media goes.

    ``media_endpoint`` is the runtime's SIP endpoint (``user@ip:port``) that FreeSWITCH bridges
    the answered customer to; leave it empty to park calls (events only, no runtime media).
    """

    host: str = "127.0.0.1"
    port: int = Field(8021, ge=1, le=65535)
    password: str = "ClueCon"
    gateway: str = "huashu"
    max_concurrent: int | None = Field(None, ge=1)
    cps: float | None = Field(None, gt=0)
    media_endpoint: str | None = None
    media_listen_ip: str = "127.0.0.1"
    media_listen_port: int = Field(5080, ge=0, le=65535)
    record_dir: str | None = None  # on the FreeSWITCH host; uuid_record writes <dir>/<call_id>.wav
    reconnect_max_s: float = Field(5.0, gt=0)
