"""What a demanding carrier expects in the edges of a call: ``Reason`` on our BYE and CANCEL
(RFC 3326; sipp's scenario fails without the right Q.850 cause) and ``Retry-After`` on a
rejection kept on the call."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sipp.peer import Sipp

from telephony.contract import Answered, CallEvent, HungUp, OriginateRequest
from telephony.outcomes import Outcome
from telephony.sip import SipDriver, SipTrunk
from telephony.sip.driver import reason_header

pytestmark = [pytest.mark.sipp, pytest.mark.timeout(60)]


def _run(coro: object) -> object:
    return asyncio.run(asyncio.wait_for(coro, 30))  # type: ignore[arg-type]


def test_reason_header_values() -> None:
    assert reason_header("NORMAL_CLEARING") == 'Q.850;cause=16;text="NORMAL_CLEARING"'
    assert reason_header("NO_ANSWER") == 'Q.850;cause=19;text="NO_ANSWER"'
    assert reason_header("ORIGINATOR_CANCEL") is None  # FreeSWITCH's own cause: no Q.850 number


@pytest.mark.parametrize(("cause", "q850"), [("NORMAL_CLEARING", "16"), ("NORMAL_UNSPECIFIED", "31")])
def test_bye_carries_the_q850_reason(tmp_path: Path, cause: str, q850: str) -> None:
    async def main() -> list[CallEvent]:
        sipp = Sipp("uas_bye_reason.xml", tmp_path, keys={"q850": q850})
        await sipp.start()
        driver = SipDriver(SipTrunk("127.0.0.1", sipp.port))
        events: list[CallEvent] = []
        try:
            call = await driver.originate(OriginateRequest("1004", "95500", f"bye-{q850}"))
            async for ev in call.events():
                events.append(ev)
                if isinstance(ev, Answered):
                    await call.hangup(cause)
            assert await sipp.wait() == 0, sipp.errors()
        finally:
            await driver.aclose()
        return events

    events = _run(main())
    assert isinstance(events[-1], HungUp) and events[-1].cause.name == cause  # type: ignore[index]


def test_ring_timeout_cancel_says_no_answer(tmp_path: Path) -> None:
    async def main() -> HungUp:
        sipp = Sipp("uas_cancel_reason.xml", tmp_path, keys={"q850": "19"})
        await sipp.start()
        driver = SipDriver(SipTrunk("127.0.0.1", sipp.port))
        try:
            call = await driver.originate(OriginateRequest("1005", "95500", "cancel-reason", ring_timeout_s=0.5))
            events = [ev async for ev in call.events()]
            assert await sipp.wait() == 0, sipp.errors()
        finally:
            await driver.aclose()
        last = events[-1]
        assert isinstance(last, HungUp)
        assert call.outcome is Outcome.CANCELLED  # as before: the Reason is for the carrier's records
        return last

    last = _run(main())
    assert last.by == "local"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("value", "expected"), [("120", 120), ("300 (maintenance);duration=60", 300), ("soon", None)])
def test_retry_after_of_a_503_is_kept_on_the_call(tmp_path: Path, value: str, expected: int | None) -> None:
    async def main() -> tuple[HungUp, int | None]:
        sipp = Sipp(
            "uas_reject_retry_after.xml", tmp_path,
            keys={"status": "503", "reason": "Service Unavailable", "retry_after": value},
        )
        await sipp.start()
        driver = SipDriver(SipTrunk("127.0.0.1", sipp.port))
        try:
            call = await driver.originate(OriginateRequest("1006", "95500", "retry-after"))
            events = [ev async for ev in call.events()]
            assert await sipp.wait() == 0, sipp.errors()
        finally:
            await driver.aclose()
        assert isinstance(events[-1], HungUp)
        return events[-1], call.retry_after_s

    last, retry = _run(main())  # type: ignore[misc]
    assert last.cause.sip_status == 503 and last.by == "network"
    assert retry == expected
