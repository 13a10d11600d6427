"""The FreeSWITCH driver against a scripted FreeSWITCH on a real TCP port (esl_fixtures/fake_freeswitch.py),
with the answered customer bridged to the runtime's SIP endpoint over real RTP on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import numpy as np
import pytest
from contract_suite import ContractHarness, DriverContract, collect_until
from esl_fixtures.fake_freeswitch import FakeFreeswitch
from sipp.peer import free_udp_port

from telephony.contract import Answered, DtmfReceived, EarlyMedia, HungUp, OriginateRequest, Ringing
from telephony.freeswitch import FreeswitchDriver, FreeswitchSettings
from telephony.freeswitch.client import EslAuthError
from telephony.freeswitch.driver import LineLimitReached
from telephony.outcomes import Outcome

pytestmark = [pytest.mark.offline, pytest.mark.timeout(60)]

NUMBERS = {
    "answer": "answer",
    "answer_dtmf": "dtmf",
    "answer_hangup": "hangup",
    "busy": "busy",
    "invalid": "invalid",
    "reject": "reject",
    "ring_forever": "ring",
}


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 30))


class _FakeBackedDriver(FreeswitchDriver):
    def __init__(self, fake: FakeFreeswitch, **kw: Any) -> None:
        port = free_udp_port()
        settings = FreeswitchSettings(
            port=fake.port, gateway="carrier", media_endpoint=f"huashu@127.0.0.1:{port}",
            media_listen_port=port, reconnect_max_s=0.5, **kw,
        )
        super().__init__(settings)
        self.fake = fake

    async def aclose(self) -> None:
        await super().aclose()
        await self.fake.aclose()


async def make_driver(**kw: Any) -> _FakeBackedDriver:
    fake = FakeFreeswitch()
    await fake.start()
    return _FakeBackedDriver(fake, **kw)


class TestFreeswitchDriverContract(DriverContract):
    @pytest.fixture
    def harness(self) -> ContractHarness:
        return ContractHarness(make_driver=make_driver, numbers=NUMBERS, ring_timeout_s=10.0, timeout_s=20.0)


def test_channel_events_in_order_and_originate_variables() -> None:
    async def main() -> None:
        driver = await make_driver()
        try:
            call = await driver.originate(OriginateRequest("dtmf", "95500", "c-7", {"campaign_id": "42"}))
            events = await collect_until(call, lambda e: isinstance(e, DtmfReceived))
            await call.hangup()
            events += await collect_until(call, lambda e: False)
            originate = next(c for c in driver.fake.commands if c.startswith("bgapi originate"))
        finally:
            await driver.aclose()
        assert [type(e) for e in events] == [Ringing, EarlyMedia, Answered, DtmfReceived, HungUp]
        assert "huashu_call_id=c-7" in originate and "huashu_campaign_id=42" in originate
        assert f"origination_uuid={call.uuid}" in originate
        assert "sofia/gateway/carrier/dtmf" in originate
        assert f"api uuid_kill {call.uuid} NORMAL_CLEARING" in driver.fake.commands
        last = events[-1]
        assert isinstance(last, HungUp) and last.by == "local"
        assert call.outcome is Outcome.CONNECTED

    run(main())


def test_bridged_media_both_ways() -> None:
    """The customer's audio (a 600 Hz tone from the fake switch's leg) reaches us, ours reaches it."""

    async def main() -> None:
        driver = await make_driver()
        try:
            call = await driver.originate(OriginateRequest("answer", "95500", "c-media"))
            await collect_until(call, lambda e: isinstance(e, Answered))
            tone = (6000 * np.sin(2 * np.pi * 1000 * np.arange(8000) / 8000)).astype("<i2").tobytes()
            await call.play(tone, 9)
            heard: list[bytes] = []
            async for f in call.incoming_frames():
                heard.append(f)
                if len(heard) == 40:
                    break
            await collect_until(call, lambda e: type(e).__name__ == "PlaybackFinished")
            leg = driver.fake.calls[call.uuid].leg
            assert leg is not None
            await call.hangup()
            await collect_until(call, lambda e: False)
        finally:
            await driver.aclose()
        x = np.frombuffer(b"".join(heard[10:]), dtype="<i2").astype(float)
        peak = np.argmax(np.abs(np.fft.rfft(x))) * 8000 / len(x)
        assert abs(peak - 600) < 30
        assert leg.stream.received > 40, "our prompt should have reached the switch's leg"

    run(main())


def test_media_leg_waits_for_the_answer_not_early_media() -> None:
    # "late": 0.5 s of early media (ringback, an announcement) before the customer answers.
    # FreeSWITCH runs &bridge when originate returns; with early media counted as success the
    # runtime's leg would be bridged to the ringback and hear it as the customer.
    async def main() -> tuple[list[Any], bool | None, str]:
        driver = await make_driver()
        try:
            call = await driver.originate(OriginateRequest("late", "95500", "c-late"))
            events = await collect_until(call, lambda e: isinstance(e, Answered))
            originate = next(c for c in driver.fake.commands if c.startswith("bgapi originate"))
            for _ in range(100):  # the bridge follows the answer
                if driver.fake.calls[call.uuid].bridged_before_answer is not None:
                    break
                await asyncio.sleep(0.02)
            bridged_early = driver.fake.calls[call.uuid].bridged_before_answer
            await call.hangup()
            await collect_until(call, lambda e: False)
        finally:
            await driver.aclose()
        return events, bridged_early, originate

    events, bridged_early, originate = run(main())
    assert [type(e) for e in events] == [Ringing, EarlyMedia, Answered]
    assert "ignore_early_media=true" in originate
    assert bridged_early is False


def test_socket_drop_mid_call_reconnects_and_keeps_the_call() -> None:
    async def main() -> None:
        driver = await make_driver()
        try:
            call = await driver.originate(OriginateRequest("drop", "95500", "c-drop"))
            first = await collect_until(call, lambda e: isinstance(e, Answered))
            while driver.client.connections < 2:  # the fake drops us right after the answer
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.1)
            assert f"api uuid_exists {call.uuid}" in driver.fake.commands  # re-attached by uuid
            driver.fake._event("dtmf.event", driver.fake.calls[call.uuid])  # events flow again
            rest = await collect_until(call, lambda e: isinstance(e, DtmfReceived))
            await call.hangup()
            rest += await collect_until(call, lambda e: False)
        finally:
            await driver.aclose()
        assert isinstance(first[-1], Answered)
        assert DtmfReceived("1") in rest and isinstance(rest[-1], HungUp)
        assert call.outcome is Outcome.CONNECTED
        assert sum(c.startswith("event plain") for c in driver.fake.commands) == 2

    run(main())


def test_call_that_ended_while_disconnected_is_closed_on_reconnect() -> None:
    async def main() -> None:
        driver = await make_driver()
        try:
            call = await driver.originate(OriginateRequest("ring", "95500", "c-gone"))
            await collect_until(call, lambda e: isinstance(e, Ringing))
            driver.fake.drop_connections()
            driver.fake.calls[call.uuid].ended = True  # it hung up while we could not hear it
            events = await collect_until(call, lambda e: False)
        finally:
            await driver.aclose()
        last = events[-1]
        assert isinstance(last, HungUp) and last.by == "network"
        assert call.outcome is Outcome.NETWORK_ERROR

    run(main())


def test_wrong_password_is_an_auth_error() -> None:
    async def main() -> None:
        fake = FakeFreeswitch(password="secret")
        await fake.start()
        driver = FreeswitchDriver(FreeswitchSettings(port=fake.port, password="wrong"))
        try:
            with pytest.raises(EslAuthError, match="-ERR invalid"):
                await driver.start()
        finally:
            await fake.aclose()

    run(main())


def test_line_limit_and_cps_pacing() -> None:
    async def main() -> None:
        driver = await make_driver(max_concurrent=3, cps=10)
        try:
            calls = [await driver.originate(OriginateRequest("ring", "95500", f"c-{i}")) for i in range(3)]
            with pytest.raises(LineLimitReached):
                await driver.originate(OriginateRequest("ring", "95500", "c-3"))
            times = driver.fake.bgapi_times
            for c in calls:
                await c.hangup()
                await collect_until(c, lambda e: False)
        finally:
            await driver.aclose()
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert len(gaps) == 2 and all(g >= 0.09 for g in gaps), gaps

    run(main())


def test_recording_on_the_switch_with_uuid_record() -> None:
    class _Sink:
        closed = 0

        def write(self, inbound: bytes, outbound: bytes) -> None:
            pass

        def close(self) -> Any:
            self.closed += 1

    async def main() -> tuple[str, int, str]:
        driver = await make_driver(record_dir="/var/lib/freeswitch/recordings/huashu")
        try:
            call = await driver.originate(OriginateRequest("answer", "95500", "c-rec"))
            await collect_until(call, lambda e: isinstance(e, Answered))
            sink = _Sink()
            await call.start_recording(sink)  # type: ignore[arg-type]
            await call.hangup()
            await collect_until(call, lambda e: False)
        finally:
            await driver.aclose()
        return call.uuid, sink.closed, call.recording_path

    uuid, closed, path = run(main())
    assert path == "/var/lib/freeswitch/recordings/huashu/c-rec.wav"
    assert closed == 1


def test_no_call_state_is_left_behind() -> None:
    """Many calls in a row: the driver, its SIP endpoint and aiosipua forget each finished call."""

    async def main() -> tuple[int, int, int, int, int]:
        driver = await make_driver()
        try:
            for i in range(6):
                call = await driver.originate(OriginateRequest("answer" if i % 2 else "busy", "95500", f"leak-{i}"))
                if i % 2:
                    await collect_until(call, lambda e: isinstance(e, Answered))
                    await call.play(b"\x00\x10" * 800, 1)
                    await collect_until(call, lambda e: type(e).__name__ == "PlaybackFinished")
                    await call.hangup()
                await collect_until(call, lambda e: False)
            await asyncio.sleep(0.2)
            media = driver.media
            assert media is not None
            return (len(driver._calls), len(driver._jobs), media.active_calls, len(media._uas._calls),  # type: ignore[union-attr]
                    len(media.clock))
        finally:
            await driver.aclose()

    assert run(main()) == (0, 0, 0, 0, 0)


def test_originate_job_failure_without_channel_events() -> None:
    async def main() -> tuple[list[Any], Any]:
        driver = await make_driver()
        try:
            call = await driver.originate(OriginateRequest("gwdown", "95500", "c-gw"))
            return await collect_until(call, lambda e: False), call.outcome
        finally:
            await driver.aclose()

    events, outcome = run(main())
    assert len(events) == 1 and isinstance(events[0], HungUp)
    assert events[0].cause.name == "GATEWAY_DOWN" and events[0].by == "network"
    assert outcome is Outcome.NETWORK_ERROR
