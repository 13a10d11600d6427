"""A carrier that never answers the INVITE: sofia's timer B ends the call with
RECOVERY_ON_TIMER_EXPIRE and records a 408 it never received. The SIP driver calls that a
network error; so must the FreeSWITCH driver (it used to say "no answer", by remote)."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from telephony.contract import HungUp
from telephony.outcomes import Outcome
from tests.freeswitch.rig import collect, driver_for, request
from tests.freeswitch.switch import Switch

pytestmark = [pytest.mark.freeswitch, pytest.mark.timeout(60)]


def test_silent_carrier_is_a_network_error(fresh_switch: Switch, tmp_path: Path) -> None:
    fresh_switch.timer_b_ms = 3000  # instead of 32 s
    fresh_switch.start()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as hole:  # swallows every INVITE
        hole.bind(("127.0.0.1", 0))
        fresh_switch.point_gateway(hole.getsockname()[1])

        async def main() -> tuple[object, object]:
            driver = driver_for(fresh_switch)
            try:
                call = await driver.originate(request("fs-silent", ring_timeout_s=30))
                got = await asyncio.wait_for(collect(call), 20)
            finally:
                await driver.aclose()
            return got.hung_up, call.outcome

        hung_up, outcome = asyncio.run(main())
    assert isinstance(hung_up, HungUp) and hung_up.cause.name == "RECOVERY_ON_TIMER_EXPIRE"
    assert outcome is Outcome.NETWORK_ERROR and hung_up.by == "network"
