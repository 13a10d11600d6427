"""The driver contract suite against the simulator, in text mode (virtual time) and audio mode (real time)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import datetime
from typing import Any

import pytest

from telephony.simulator import CarrierProfile, PlanKind, SimulatorDriver, VirtualClock, plan_call
from telephony.simulator.clock import CHINA_TZ, RealClock
from tests.telephony.contract_suite import ContractHarness, DriverContract

SEED = 11
NOON = datetime(2026, 3, 2, 12, 10, tzinfo=CHINA_TZ)
# Long rings so "ring_forever" outlasts any test's ring timeout.
PROFILE = CarrierProfile(
    carrier_no_answer_s=(200.0, 300.0),
    answer_after_s=(0.2, 0.6),
    reject_after_s=(0.2, 0.6),
    setup_s=(0.05, 0.2),
)


def _numbers() -> dict[str, str]:
    """Find numbers the seeded carrier treats each way (deterministic search)."""
    want = {
        "answer": PlanKind.ANSWER,
        "answer_dtmf": PlanKind.ANSWER,
        "answer_hangup": PlanKind.ANSWER,
        "busy": PlanKind.BUSY,
        "invalid": PlanKind.INVALID,
        "reject": PlanKind.REJECT,
        "ring_forever": PlanKind.NO_ANSWER,
    }
    found: dict[str, str] = {}
    for i in range(20000):
        number = f"1370000{i:04d}"
        kind = plan_call(SEED, number, "1", NOON, PROFILE).kind
        for scenario, k in want.items():
            if scenario not in found and k is kind and number not in found.values():
                found[scenario] = number
                break
        if len(found) == len(want):
            break
    return found


NUMBERS = _numbers()


class _Driver(SimulatorDriver):
    """Personas fixed per scenario: the hang-up number gets a customer who hangs up at once."""

    async def originate(self, req):  # type: ignore[no-untyped-def]
        call = await super().originate(req)
        from telephony.simulator.personas import PERSONAS, Persona

        if req.number == NUMBERS["answer_hangup"]:
            call.persona = Persona("hangs_up", (), patience_turns=0)
            self._schedule_hangup(call)
        elif req.number == NUMBERS["answer_dtmf"]:
            call.persona = PERSONAS["agreeable"]
        else:
            call.persona = Persona("quiet", (), silence_share=1.0, patience_turns=99)
        return call

    def _schedule_hangup(self, call) -> None:  # type: ignore[no-untyped-def]
        from telephony.contract import BotTurn

        async def later() -> None:
            while call.answered_at is None and not call.ended:
                await self.clock.sleep(0.1)
            call.bot_turn(BotTurn("hello", "hello", True))

        asyncio.ensure_future(later())


def _virtual_run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)


class TestSimulatorTextMode(DriverContract):
    @pytest.fixture
    def harness(self) -> ContractHarness:
        async def make() -> SimulatorDriver:
            return _Driver(seed=SEED, carrier=PROFILE, clock=VirtualClock(start=NOON))

        return ContractHarness(make_driver=make, numbers=NUMBERS, run=_virtual_run, media=False, timeout_s=10)


async def _voice(text: str, lang: str) -> bytes:
    import math

    n = 8 * 600
    return b"".join(
        int(6000 * math.sin(2 * math.pi * 300 * i / 8000)).to_bytes(2, "little", signed=True)
        for i in range(n)
    )


class TestSimulatorAudioMode(DriverContract):
    @pytest.fixture
    def harness(self) -> ContractHarness:
        async def make() -> SimulatorDriver:
            return _Driver(
                seed=SEED, carrier=PROFILE, clock=RealClock(wall_start=NOON), customer_voice=_voice
            )

        return ContractHarness(make_driver=make, numbers=NUMBERS, media=True, timeout_s=15, ring_timeout_s=30)
