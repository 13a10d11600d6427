"""``--runner mn_sim_runner:make``: the simulator (real call path, virtual time) holding each call
``MN_CALL_HOLD`` real seconds, so a node killed mid-campaign really has calls up."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from runtime.campaigns.claims import CallReport
from runtime.campaigns.dialer import DialRequest
from runtime.campaigns.sim_runner import simulator_runner


def make(**kw: Any) -> Any:
    inner = simulator_runner(engine=kw.get("engine"), seed=int(kw.get("seed", 0)), fast=True)
    hold = float(os.environ.get("MN_CALL_HOLD", "0.4"))

    async def run(req: DialRequest) -> CallReport:
        report = await inner(req)
        await asyncio.sleep(hold)
        return report

    return run
