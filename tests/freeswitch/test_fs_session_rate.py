"""A burst of calls never trips the switch's session-rate throttle: the driver reads the switch's
``sessions-per-second`` and paces to it (two sessions per bridged call), whatever CPS it was given."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from telephony.contract import Answered
from telephony.outcomes import Outcome
from tests.freeswitch.rig import collect, customer, driver_for, request
from tests.freeswitch.switch import Switch

pytestmark = [pytest.mark.freeswitch, pytest.mark.sipp, pytest.mark.timeout(90)]


def test_burst_is_paced_below_the_switch_session_rate(fresh_switch: Switch, tmp_path: Path) -> None:
    fresh_switch.sessions_per_second = 6  # 3 bridged calls a second at most
    fresh_switch.start()
    n = 8

    async def main() -> list[tuple[Outcome | None, list[str]]]:
        async with customer(fresh_switch, tmp_path, "uas_answer_hangup.xml", calls=n, hold_ms="1500"):
            driver = driver_for(fresh_switch, cps=50.0)  # the CLI's old default line CPS
            try:
                await driver.start()
                calls = await asyncio.gather(*(driver.originate(request(f"burst-{i}")) for i in range(n)))
                got = await asyncio.wait_for(asyncio.gather(*(collect(c) for c in calls)), 60)
            finally:
                await driver.aclose()
            return [(c.outcome, g.names) for c, g in zip(calls, got, strict=True)]

    results = asyncio.run(main())
    bad = [r for r in results if r[0] is not Outcome.CONNECTED or Answered.__name__ not in r[1]]
    assert not bad, bad
    assert "Throttle Error" not in fresh_switch.log_text()
    assert "Over Session Rate" not in fresh_switch.log_text()
