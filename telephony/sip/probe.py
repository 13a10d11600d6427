"""One test call through a driver, with a report: what ``huashu sip call`` runs.

Kept apart from the command so it can be driven by tests and by the benchmark alike.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from telephony.contract import Answered, CallEvent, Driver, HungUp, OriginateRequest, PlaybackFinished

__all__ = ["CallReport", "place_test_call"]


@dataclass
class CallReport:
    number: str
    call_id: str
    outcome: str | None = None
    cause: str | None = None
    sip_status: int | None = None
    hung_up_by: str | None = None
    retry_after_s: int | None = None  # the carrier's Retry-After on a rejection (SIP driver)
    setup_ms: float | None = None  # INVITE sent -> answered
    talk_ms: float | None = None
    events: list[str] = field(default_factory=list)
    frames_received: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


async def place_test_call(
    driver: Driver,
    number: str,
    caller_id: str,
    *,
    pcm: bytes | None = None,
    hold_s: float = 3.0,
    ring_timeout_s: float = 30.0,
    on_event: Callable[[CallEvent], None] | None = None,
) -> CallReport:
    """Dial, play ``pcm`` once answered, hang up after it (or after ``hold_s``), report."""
    report = CallReport(number, f"probe-{uuid.uuid4().hex[:12]}")
    t0 = time.monotonic()
    call = await driver.originate(OriginateRequest(number, caller_id, report.call_id, ring_timeout_s=ring_timeout_s))

    async def count_frames() -> None:
        async for _ in call.incoming_frames():
            report.frames_received += 1

    counter = asyncio.get_running_loop().create_task(count_frames())
    timer: asyncio.TimerHandle | None = None
    async for ev in call.events():
        report.events.append(type(ev).__name__)
        if on_event is not None:
            on_event(ev)
        if isinstance(ev, Answered):
            report.setup_ms = round((time.monotonic() - t0) * 1000, 1)
            if pcm:
                await call.play(pcm, 1)
            else:
                timer = asyncio.get_running_loop().call_later(hold_s, lambda: asyncio.ensure_future(call.hangup()))
        elif isinstance(ev, PlaybackFinished):
            await call.hangup()
        elif isinstance(ev, HungUp):
            report.cause = ev.cause.name
            report.sip_status = ev.cause.sip_status
            report.hung_up_by = ev.by
    if timer is not None:
        timer.cancel()
    await counter
    report.outcome = str(call.outcome) if call.outcome is not None else None
    report.retry_after_s = getattr(call, "retry_after_s", None)  # SIP calls only
    if call.answered_at is not None and call.ended_at is not None:
        report.talk_ms = round((call.ended_at - call.answered_at) * 1000, 1)
    return report
