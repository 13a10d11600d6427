"""A deterministic call runner for tests that must not depend on the telephony simulator:
the outcome is a pure function of the number and the attempt, the call lasts ``delay`` s."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field

from runtime.campaigns.claims import CallReport
from runtime.campaigns.dialer import DialRequest

OUTCOME_BY_LAST_DIGIT = {
    "0": "connected", "1": "connected", "2": "connected", "3": "connected", "4": "no_answer",
    "5": "busy", "6": "unreachable", "7": "connected", "8": "rejected", "9": "connected",
}


@dataclass
class FakeRunner:
    delay: float = 0.0
    opt_out_suffix: str | None = None
    calls: list[DialRequest] = field(default_factory=list)
    concurrent: int = 0
    max_concurrent: int = 0

    async def __call__(self, req: DialRequest) -> CallReport:
        self.calls.append(req)
        self.concurrent += 1
        self.max_concurrent = max(self.max_concurrent, self.concurrent)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            outcome = OUTCOME_BY_LAST_DIGIT[req.phone[-1]]
            opt_out = bool(self.opt_out_suffix and req.phone.endswith(self.opt_out_suffix))
            return CallReport(outcome=outcome, cause="test", talk_ms=1000 if outcome == "connected" else 0, opt_out=opt_out)
        finally:
            self.concurrent -= 1


def make(**_: object) -> FakeRunner:
    """Factory for ``huashu runtime run --runner campaign_fake_runner:make``; delay from the env."""
    return FakeRunner(delay=float(os.environ.get("FAKE_CALL_DELAY", "0")))
