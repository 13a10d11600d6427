"""Calls through the real FreeSWITCH: gateway to a sipp customer, the answered customer bridged to
the runtime's media leg. Each outcome and hang-up cause as the switch really reports it."""

from __future__ import annotations

import asyncio
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from telephony.contract import Answered, DtmfReceived, HungUp
from telephony.outcomes import Outcome
from telephony.recording import StereoWavSink
from tests.freeswitch.rig import collect, customer, driver_for, request
from tests.freeswitch.switch import Switch
from tests.support.ports import free_port
from tests.telephony.sipp.peer import make_customer_audio

pytestmark = [pytest.mark.freeswitch, pytest.mark.sipp, pytest.mark.timeout(90)]


def _tone(seconds: float = 1.0) -> bytes:
    t = np.arange(int(8000 * seconds)) / 8000
    return (np.sin(2 * np.pi * 440 * t) * 8000).astype("<i2").tobytes()


def test_answered_call_is_bridged_both_ways_with_dtmf(switch: Switch, tmp_path: Path) -> None:
    """Prompt reaches the customer, the customer's voice and RFC 2833 key reach the runtime."""
    audio = make_customer_audio(tmp_path)
    wav = tmp_path / "rec.wav"

    async def main() -> tuple[list[str], object, int]:
        async with customer(switch, tmp_path, "uas_answer_speak.xml", audio=str(audio), wait_ms="1500",
                            dtmf_after_ms="2500") as cust:
            driver = driver_for(switch)
            try:
                call = await driver.originate(request("fs-answer"))

                async def act(ev: object) -> None:
                    if isinstance(ev, Answered):
                        await call.start_recording(StereoWavSink("fs-answer", wav))
                        await call.play(_tone(1.0), 1)
                    if isinstance(ev, DtmfReceived):
                        await call.hangup()

                got = await asyncio.wait_for(collect(call, act), 30)
                status = await cust.wait(10)
            finally:
                await driver.aclose()
        return got.names, (got.hung_up, call.outcome, [e for e in got.events if isinstance(e, DtmfReceived)]), status

    names, (hung_up, outcome, keys), status = asyncio.run(main())
    assert names[0] in ("Ringing", "Answered") and "Answered" in names, names
    assert keys and keys[0].digit == "1"  # DTMF through the bridge, once
    assert outcome is Outcome.CONNECTED and hung_up.by == "local"
    assert status == 0  # the customer got our BYE
    with wave.open(str(wav)) as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, w.getnchannels())
    assert np.abs(data[:, 0]).max() > 1000, "no customer audio reached the runtime"
    assert np.abs(data[:, -1]).max() > 1000, "the bot's prompt is not in the recording"
    assert not switch.error_lines()


def test_failed_bridge_is_a_network_error_not_connected(switch: Switch, tmp_path: Path) -> None:
    """The customer answers but the switch cannot reach the runtime's media leg."""

    async def main() -> tuple[object, object, list[str], float]:
        async with customer(switch, tmp_path, "uas_answer_hangup.xml", hold_ms="20000"):
            driver = driver_for(switch)
            driver.settings.media_endpoint = f"huashu@127.0.0.1:{free_port()}"  # nobody there
            try:
                t0 = time.monotonic()
                call = await driver.originate(request("fs-bridge-fail"))
                got = await asyncio.wait_for(collect(call), 20)
                took = time.monotonic() - t0
            finally:
                await driver.aclose()
        return got.hung_up, call.outcome, got.names, took

    hung_up, outcome, names, took = asyncio.run(main())
    assert took < 5, took  # the switch hangs the customer up at once: nobody waits in silence (20 s here)
    assert outcome is Outcome.NETWORK_ERROR and "Answered" not in names
    assert isinstance(hung_up, HungUp) and hung_up.by == "network"


@pytest.mark.parametrize(
    ("status", "reason", "outcome", "by"),
    [("486", "Busy Here", Outcome.BUSY, "remote"), ("603", "Decline", Outcome.REJECTED, "remote"),
     ("404", "Not Found", Outcome.INVALID_NUMBER, "remote"), ("503", "Service Unavailable", Outcome.NETWORK_ERROR, "network")],
)
def test_rejections_map_as_on_the_sip_path(switch: Switch, tmp_path: Path, status: str, reason: str,
                                           outcome: Outcome, by: str) -> None:
    async def main() -> tuple[object, object]:
        async with customer(switch, tmp_path, "uas_reject.xml", status=status, reason=reason):
            driver = driver_for(switch)
            try:
                call = await driver.originate(request(f"fs-{status}"))
                got = await asyncio.wait_for(collect(call), 20)
            finally:
                await driver.aclose()
        return got.hung_up, call.outcome

    hung_up, got = asyncio.run(main())
    assert got is outcome
    assert isinstance(hung_up, HungUp) and hung_up.by == by and hung_up.cause.sip_status == int(status)


def test_ring_timeout_is_cancelled(switch: Switch, tmp_path: Path) -> None:
    async def main() -> tuple[object, object, list[str]]:
        async with customer(switch, tmp_path, "uas_no_answer.xml") as cust:
            driver = driver_for(switch)
            try:
                call = await driver.originate(request("fs-ring", ring_timeout_s=2))
                got = await asyncio.wait_for(collect(call), 20)
                await cust.wait(10)
            finally:
                await driver.aclose()
        return got.hung_up, call.outcome, got.names

    hung_up, outcome, names = asyncio.run(main())
    assert names == ["Ringing", "HungUp"]
    assert outcome is Outcome.CANCELLED and isinstance(hung_up, HungUp) and hung_up.by == "local"


def test_unreachable_gateway_is_a_network_error(switch: Switch, tmp_path: Path) -> None:
    """Nothing listens at the carrier address: sofia answers itself with 503."""
    switch.point_gateway(free_port())

    async def main() -> tuple[object, object]:
        driver = driver_for(switch)
        try:
            call = await driver.originate(request("fs-unreachable"))
            got = await asyncio.wait_for(collect(call), 20)
        finally:
            await driver.aclose()
        return got.hung_up, call.outcome

    hung_up, outcome = asyncio.run(main())
    assert outcome is Outcome.NETWORK_ERROR and isinstance(hung_up, HungUp) and hung_up.by == "network"


def test_unknown_gateway_is_a_network_error(switch: Switch) -> None:
    async def main() -> tuple[object, object]:
        driver = driver_for(switch, gateway="nosuchgw")
        try:
            call = await driver.originate(request("fs-nogw"))
            got = await asyncio.wait_for(collect(call), 20)
        finally:
            await driver.aclose()
        return got.hung_up, call.outcome

    hung_up, outcome = asyncio.run(main())
    assert isinstance(hung_up, HungUp) and hung_up.cause.name == "INVALID_GATEWAY"
    assert outcome is Outcome.NETWORK_ERROR and hung_up.by == "network"


def test_customer_hangs_up_mid_prompt(switch: Switch, tmp_path: Path) -> None:
    async def main() -> tuple[object, object, list[str]]:
        async with customer(switch, tmp_path, "uas_answer_hangup.xml", hold_ms="800") as cust:
            driver = driver_for(switch)
            try:
                call = await driver.originate(request("fs-remote-bye"))

                async def act(ev: object) -> None:
                    if isinstance(ev, Answered):
                        await call.play(_tone(5.0), 7)

                got = await asyncio.wait_for(collect(call, act), 20)
                await cust.wait(10)
            finally:
                await driver.aclose()
        return got.hung_up, call.outcome, got.events

    hung_up, outcome, events = asyncio.run(main())
    assert outcome is Outcome.CONNECTED and isinstance(hung_up, HungUp) and hung_up.by == "remote"
    finished = [e for e in events if type(e).__name__ == "PlaybackFinished"]
    assert finished and finished[0].interrupted  # type: ignore[attr-defined]


def test_transfer_runs_the_huashu_context(switch: Switch, tmp_path: Path) -> None:
    async def main() -> None:
        async with customer(switch, tmp_path, "uas_answer_hangup.xml", hold_ms="4000"):
            driver = driver_for(switch)
            try:
                call = await driver.originate(request("fs-transfer"))

                async def act(ev: object) -> None:
                    if isinstance(ev, Answered):
                        await call.transfer("agent")

                await asyncio.wait_for(collect(call, act), 20)
            finally:
                await driver.aclose()

    before = len(switch.log_text())
    asyncio.run(main())
    log = switch.log_text()[before:]
    assert "->agent in context huashu" in log, log[-3000:]
    assert "USER_NOT_REGISTERED" in log  # the huashu_agent extension ran its bridge (to the test's agent string)
