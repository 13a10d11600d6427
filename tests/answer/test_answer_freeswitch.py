"""Over the real FreeSWITCH: the carrier (sipp behind the switch's gateway) plays a recorded
operator announcement in 183 early media, or after 200 OK; with ``early_media`` the switch
bridges the early phase to the runtime's media leg, the classifier hears it, and the call ends
with the announcement's outcome (we cancel, or hang up before the bot says a word).

Why bridging and not the switch's own detection: FreeSWITCH's detectors (mod_avmd: a
voicemail beep; tone_detect / spandsp: fixed tones) know no operator's words, so the
announcement kinds (invalid / suspended / powered off ...) can only come from our classifier,
and the bridge is the media path the runtime already has (one RTP leg, recorded, measured)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from runtime.answer.consequences import AnswerSetup
from runtime.answer.references import default_spotter
from runtime.calls import RealClock, run_call
from telephony.contract import Answered, EarlyMedia
from telephony.outcomes import Outcome
from tests.freeswitch.conftest import switch  # noqa: F401 - the module's switch fixture
from tests.freeswitch.rig import collect, customer, driver_for, request
from tests.freeswitch.switch import Switch
from tests.support.amd_scenes import announcement_ulaw
from tests.support.scripts import library_script

pytestmark = [pytest.mark.freeswitch, pytest.mark.sipp, pytest.mark.audio, pytest.mark.timeout(120)]
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


@pytest.mark.parametrize(("scenario", "text", "outcome"), [
    ("uas_announcement_early.xml", "您拨打的电话已停机", Outcome.ANNOUNCEMENT_SUSPENDED),
    ("uas_announcement_answered.xml", "您拨打的电话暂时无法接通，请稍后再拨", Outcome.ANNOUNCEMENT_UNREACHABLE),
])
def test_announcement_through_freeswitch_ends_the_call_with_its_outcome(
        switch: Switch, tmp_path: Path, scenario: str, text: str, outcome: Outcome) -> None:  # noqa: F811
    audio = announcement_ulaw(tmp_path, text)
    spotter = default_spotter(("zh",))

    async def main():  # type: ignore[no-untyped-def]
        async with customer(switch, tmp_path, str(HERE / "sipp" / scenario), audio=str(audio)) as cust:
            driver = driver_for(switch, early_media=True)
            try:
                res = await asyncio.wait_for(
                    run_call(driver, request(f"fs-ann-{scenario[:20]}"), library_script(), {"extra_fee": 3},
                             clock=RealClock(), answer=AnswerSetup(spotter=spotter)), 60)
                status = await cust.wait(20)
            finally:
                await driver.aclose()
        return res, status

    res, status = asyncio.run(main())
    assert res.outcome is outcome, (res.outcome, res.answer, res.cause)
    verdict = res.answer[-1]
    assert verdict["class"] == outcome.value and verdict["phase"] == ("early" if "early" in scenario else "answered")
    assert any(e["kind"] == "phrase" for e in verdict["evidence"])
    assert res.engine_record is None or not res.engine_record.turns  # the bot never spoke to it
    assert status == 0  # sipp saw our CANCEL (early) or BYE (answered) where its scenario expects it


def test_early_media_bridged_is_not_an_answer(switch: Switch, tmp_path: Path) -> None:  # noqa: F811
    """The runtime leg comes up on 183, its frames carry the announcement, and the driver still
    reports no Answered: the customer never answered (we cancel at the ring timeout)."""
    audio = announcement_ulaw(tmp_path, "您拨打的电话已停机")

    async def main():  # type: ignore[no-untyped-def]
        async with customer(switch, tmp_path, str(HERE / "sipp" / "uas_announcement_early.xml"),
                            audio=str(audio)) as cust:
            driver = driver_for(switch, early_media=True)
            try:
                call = await driver.originate(request("fs-early-1", ring_timeout_s=4.0))
                loud = 0

                async def listen() -> None:
                    nonlocal loud
                    async for frame in call.incoming_frames():
                        if max(abs(int.from_bytes(frame[i:i + 2], "little", signed=True))
                               for i in range(0, len(frame), 2)) > 1000:
                            loud += 1

                task = asyncio.get_running_loop().create_task(listen())
                got = await asyncio.wait_for(collect(call), 30)
                task.cancel()
                status = await cust.wait(20)
            finally:
                await driver.aclose()
        return got, loud, status

    got, loud, status = asyncio.run(main())
    assert any(isinstance(e, EarlyMedia) for e in got.events), got.names
    assert not any(isinstance(e, Answered) for e in got.events), got.names
    assert loud > 50, loud  # > 1 s of the announcement reached the runtime leg before any answer
    assert got.hung_up.cause.name == "ORIGINATOR_CANCEL"
    assert status == 0
