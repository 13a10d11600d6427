"""The simulator's SMS gateway: accepts every message and counts it (the demo and tests use it;
no network). What a phone would have received is in :attr:`SmsSink.received`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from runtime.campaigns.sms.providers import OutMessage, SendResult

__all__ = ["SmsSink"]


@dataclass
class SmsSink:
    name: str = "simulator"
    received: list[OutMessage] = field(default_factory=list)
    by_phone: Counter[str] = field(default_factory=Counter)

    def send(self, msg: OutMessage) -> SendResult:
        self.received.append(msg)
        self.by_phone[msg.phone] += 1
        return SendResult("accepted", ref=f"sink:{msg.id}")
