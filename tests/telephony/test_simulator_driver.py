"""Simulator driver specifics beyond the contract: line limits, shutdown, redials, event order."""

from __future__ import annotations

import asyncio

import pytest

from telephony.contract import HungUp, LineLimitReached, OriginateRequest, Ringing
from telephony.outcomes import Outcome
from telephony.simulator import CarrierProfile, SimulatorDriver, VirtualClock

RINGS = CarrierProfile(
    answer_curve=(0.0,) * 48,
    invalid_share=0,
    powered_off_share=0,
    busy_share=0,
    network_error_share=0,
    reject_share=0,
)


def test_line_limit_and_duplicate_call_ids() -> None:
    async def main() -> None:
        drv = SimulatorDriver(seed=1, carrier=RINGS, clock=VirtualClock(), max_concurrent=1)
        first = await drv.originate(OriginateRequest("13800000001", "1", "a"))
        with pytest.raises(LineLimitReached, match="limit 1"):
            await drv.originate(OriginateRequest("13800000002", "1", "b"))
        await first.hangup()
        again = await drv.originate(OriginateRequest("13800000002", "1", "b"))
        drv.max_concurrent = None
        with pytest.raises(ValueError, match="already in progress"):
            await drv.originate(OriginateRequest("13800000003", "1", "b"))
        await again.hangup()

    asyncio.run(main())


def test_shutdown_interrupts_ringing_calls() -> None:
    async def main() -> tuple[Outcome | None, list[object]]:
        drv = SimulatorDriver(seed=1, carrier=RINGS, clock=VirtualClock())
        h = await drv.originate(OriginateRequest("13800000001", "1", "a"))
        await asyncio.sleep(0)
        await drv.aclose()
        return h.outcome, [e async for e in h.events()]

    outcome, events = asyncio.run(main())
    assert outcome is Outcome.INTERRUPTED
    assert isinstance(events[-1], HungUp) and events[-1].cause.name == "SYSTEM_SHUTDOWN"


def test_ringing_then_carrier_no_answer_in_virtual_time() -> None:
    async def main() -> tuple[list[object], float, Outcome | None]:
        clock = VirtualClock()
        drv = SimulatorDriver(seed=1, carrier=RINGS, clock=clock)
        h = await drv.originate(OriginateRequest("13800000001", "1", "a", ring_timeout_s=120))
        events = [e async for e in h.events()]
        return events, clock.now(), h.outcome

    events, now, outcome = asyncio.run(main())
    assert isinstance(events[0], Ringing) and isinstance(events[-1], HungUp)
    assert events[-1].cause.name == "NO_ANSWER" and events[-1].by == "network"
    assert outcome is Outcome.NO_ANSWER
    lo, hi = RINGS.carrier_no_answer_s
    assert lo <= now <= hi + RINGS.setup_s[1]


def test_bad_answer_curve_variable_is_rejected_with_its_name() -> None:
    async def main() -> None:
        drv = SimulatorDriver(seed=1, clock=VirtualClock())
        with pytest.raises(ValueError, match="answer_by_half_hour"):
            await drv.originate(OriginateRequest("1", "1", "a", variables={"answer_by_half_hour": "0.5,0.5"}))

    asyncio.run(main())


def test_originate_request_validation() -> None:
    with pytest.raises(ValueError, match="number"):
        OriginateRequest(" ", "1", "a")
    with pytest.raises(ValueError, match="call_id"):
        OriginateRequest("1", "1", "")
    with pytest.raises(ValueError, match="ring_timeout"):
        OriginateRequest("1", "1", "a", ring_timeout_s=0)
