"""Wiring SMS into a runtime node from settings: the sender over the configured gateway and the
delivery-report listener. One function so the CLI and the demo build it the same way."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from runtime.campaigns.sms.dlr import DlrServer
from runtime.campaigns.sms.outbox import SmsSender
from runtime.campaigns.sms.providers import HttpProvider
from runtime.campaigns.sms.store import build_provider

__all__ = ["sms_for_node"]


def sms_for_node(engine: Engine, settings: Any, node_id: str, secret: str) -> tuple[SmsSender | None, DlrServer | None]:
    """(sender, listener) for this node; (None, None) when no gateway is configured. The listener
    is started (it binds ``sms.dlr_host:sms.dlr_port``); stop it when the node stops."""
    s = settings.sms
    if s.provider == "none":
        return None, None
    dlr = DlrServer(engine, secret, s.dlr_host, s.dlr_port, settings.phone_region).start() if s.dlr_port else None
    public = s.dlr_public_url or (dlr.url if dlr is not None else None)
    provider = build_provider(settings, secret, public)
    assert provider is not None
    return SmsSender(engine, provider, node_id, idempotent=isinstance(provider, HttpProvider)), dlr
