"""Shared by the observability tests: one simulated call in text mode, and metric samples."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from designer.model import Script
from huashu.core.metrics import REGISTRY
from runtime.calls import CallResult, SpeechKit, VirtualClock, run_call
from telephony.contract import OriginateRequest
from telephony.simulator import CarrierProfile, PersonaMix, SimulatorDriver
from tests.support.scripts import library_script

ROOT = Path(__file__).resolve().parents[2]
ALWAYS = CarrierProfile(
    answer_curve=(1.0,) * 48, invalid_share=0, powered_off_share=0, busy_share=0, network_error_share=0
)


def sample(name: str, **labels: str) -> float:
    """A sample's current value (0 when the labelled child does not exist yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def simulated_call(
    call_id: str,
    *,
    campaign: str | None = None,
    node: str | None = None,
    speech: SpeechKit | None = None,
    engine_factory: Callable[[Script, Mapping[str, Any]], Any] | None = None,
    persona: str = "agreeable",
) -> CallResult:
    """One call of the library's data-pack script over the simulator, in virtual time."""

    async def main() -> CallResult:
        clock = VirtualClock()
        drv = SimulatorDriver(seed=1, carrier=ALWAYS, personas=PersonaMix.only(persona), clock=clock)
        kw: dict[str, Any] = {} if engine_factory is None else {"engine_factory": engine_factory}
        return await run_call(
            drv, OriginateRequest("13800000001", "95555", call_id), library_script(), {"extra_fee": 42},
            clock=clock, campaign=campaign, node=node, speech=speech, **kw,
        )

    return asyncio.run(main())
