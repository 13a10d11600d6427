"""One call (or several) through the real switch: a sipp customer behind the "huashu" gateway and
the FreeSWITCH driver with its media leg, as the runtime configures it.

Scenarios come from ``tests/freeswitch/sipp/`` or ``tests/telephony/sipp/`` (the SIP path's).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huashu.core.telephony_settings import FreeswitchSettings
from telephony.contract import CallEvent, HungUp, OriginateRequest
from telephony.freeswitch.call import FsCall
from telephony.freeswitch.driver import FreeswitchDriver
from tests.freeswitch.switch import Switch
from tests.support.ports import free_port
from tests.telephony.sipp.peer import SCENARIOS, Sipp

__all__ = ["FS_SCENARIOS", "Customer", "Collected", "driver_for", "customer", "collect", "request"]

FS_SCENARIOS = Path(__file__).resolve().parent / "sipp"


@dataclass
class Customer(Sipp):
    """A sipp customer whose scenario may live in tests/freeswitch/sipp/ as well."""

    def _render(self) -> Path:
        src = FS_SCENARIOS / self.scenario
        if not src.exists():
            src = SCENARIOS / self.scenario
        text = src.read_text()
        for k, v in self.keys.items():
            text = text.replace(f"[{k}]", v)
        out = self.workdir / f"{self.port}-{Path(self.scenario).name}"
        out.write_text(text)
        return out


def driver_for(switch: Switch, media: bool = True, **overrides: Any) -> FreeswitchDriver:
    """The driver as a deployment on this host configures it (media leg on a free port)."""
    port = free_port()
    settings = FreeswitchSettings(
        port=switch.esl_port,
        password=switch.esl_password,
        media_endpoint=f"huashu@127.0.0.1:{port}" if media else None,
        media_listen_port=port,
        **overrides,
    )
    return FreeswitchDriver(settings)


@asynccontextmanager
async def customer(
    switch: Switch, workdir: Path, scenario: str, calls: int = 1, **keys: str
) -> AsyncIterator[Customer]:
    cust = Customer(scenario, workdir, keys=dict(keys), calls=calls, timeout_s=40)
    await cust.start()
    switch.point_gateway(cust.port)
    try:
        yield cust
    finally:
        await cust.stop()


@dataclass
class Collected:
    events: list[CallEvent] = field(default_factory=list)
    at: list[float] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [type(e).__name__ for e in self.events]

    @property
    def hung_up(self) -> HungUp:
        last = self.events[-1]
        assert isinstance(last, HungUp), self.names
        return last


async def collect(call: FsCall, on_event: Any = None) -> Collected:
    """Every contract event of the call until its HungUp; ``on_event(ev)`` may act on each."""
    out = Collected()
    async for ev in call.events():
        out.events.append(ev)
        out.at.append(time.monotonic())
        if on_event is not None:
            await on_event(ev)
        if isinstance(ev, HungUp):
            break
    return out


def request(call_id: str, number: str = "10086", ring_timeout_s: float = 20.0) -> OriginateRequest:
    return OriginateRequest(number, "95555", call_id, ring_timeout_s=ring_timeout_s)
