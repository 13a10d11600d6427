"""The driver contract suite: the same tests for every telephony driver.

A driver's test module subclasses :class:`DriverContract` and provides a ``harness``
fixture returning a :class:`ContractHarness`: how to build the driver, which numbers lead to
which far-end behaviour, and how to run a coroutine (real or virtual time). A scenario the
far end cannot produce is left out of ``numbers`` and its test is skipped with a reason.

Used by ``test_contract_simulator.py`` here, and by the SIP and FreeSWITCH test modules
(``test_sip_*``, ``test_esl_*``), which import :class:`DriverContract` and
:class:`ContractHarness` from this module.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from telephony.contract import (
    FRAME_BYTES,
    Answered,
    CallEvent,
    CallHandle,
    Driver,
    DtmfReceived,
    HungUp,
    OriginateRequest,
    PlaybackFinished,
    RecordingInfo,
)
from telephony.outcomes import Outcome

__all__ = ["ContractHarness", "DriverContract", "collect_until"]

_ids = itertools.count(1)


@dataclass
class ContractHarness:
    """How to exercise one driver. ``numbers`` keys: answer, busy, invalid, ring_forever,
    reject, answer_dtmf (answers and presses a key), answer_hangup (answers, then hangs up)."""

    make_driver: Callable[[], Awaitable[Driver]]
    numbers: Mapping[str, str]
    run: Callable[[Coroutine[Any, Any, Any]], Any] = asyncio.run
    ring_timeout_s: float = 30.0
    media: bool = True  # the far end sends audio frames after answer
    timeout_s: float = 30.0  # real seconds one test may take
    variables: Mapping[str, str] = field(default_factory=dict)

    def number(self, scenario: str) -> str:
        if scenario not in self.numbers:
            pytest.skip(f"this far end cannot produce the {scenario!r} scenario")
        return self.numbers[scenario]

    def request(self, scenario: str, ring_timeout_s: float | None = None) -> OriginateRequest:
        return OriginateRequest(
            number=self.number(scenario),
            caller_id="95555",
            call_id=f"contract-{next(_ids)}",
            variables=dict(self.variables),
            ring_timeout_s=ring_timeout_s or self.ring_timeout_s,
        )

    def go(self, body: Callable[[Driver], Awaitable[Any]]) -> Any:
        async def main() -> Any:
            driver = await self.make_driver()
            try:
                return await asyncio.wait_for(body(driver), self.timeout_s)
            finally:
                await driver.aclose()

        return self.run(main())


async def collect_until(
    handle: CallHandle,
    stop: Callable[[CallEvent], bool],
    on_event: Callable[[CallEvent], Awaitable[None]] | None = None,
) -> list[CallEvent]:
    """Events of ``handle`` up to and including the first one ``stop`` accepts (or HungUp)."""
    seen: list[CallEvent] = []
    async for e in handle.events():
        seen.append(e)
        if on_event is not None:
            await on_event(e)
        if stop(e) or isinstance(e, HungUp):
            break
    return seen


def _tone(ms: int) -> bytes:
    import math

    n = ms * 8
    return b"".join(
        int(8000 * math.sin(2 * math.pi * 440 * i / 8000)).to_bytes(2, "little", signed=True)
        for i in range(n)
    )


class _Sink:
    def __init__(self) -> None:
        self.frames: list[tuple[bytes, bytes]] = []
        self.closed = 0

    def write(self, inbound: bytes, outbound: bytes) -> None:
        self.frames.append((inbound, outbound))

    def close(self) -> RecordingInfo:
        from pathlib import Path

        self.closed += 1
        return RecordingInfo(call_id="x", path=Path("/dev/null"), duration_ms=len(self.frames) * 20)


class DriverContract:
    """Subclass with a ``harness`` fixture; every test here must pass for every driver."""

    @pytest.fixture
    def harness(self) -> ContractHarness:  # pragma: no cover - overridden
        raise NotImplementedError

    def test_driver_and_handle_satisfy_the_protocols(self, harness: ContractHarness) -> None:
        async def body(driver: Driver) -> None:
            assert isinstance(driver, Driver)
            assert isinstance(driver.name, str) and driver.name
            handle = await driver.originate(harness.request("answer"))
            assert isinstance(handle, CallHandle)
            await handle.hangup()
            events = await collect_until(handle, lambda e: False)
            assert isinstance(events[-1], HungUp)

        harness.go(body)

    def test_answered_call_then_local_hangup(self, harness: ContractHarness) -> None:
        async def body(driver: Driver) -> None:
            h = await driver.originate(harness.request("answer"))
            first = await collect_until(h, lambda e: isinstance(e, Answered))
            assert isinstance(first[-1], Answered), first
            assert h.answered_at is not None
            await h.hangup()
            rest = await collect_until(h, lambda e: False)
            assert isinstance(rest[-1], HungUp) and rest[-1].by == "local"
            assert sum(isinstance(e, HungUp) for e in first + rest) == 1
            assert h.outcome is Outcome.CONNECTED
            assert h.ended_at is not None and h.ended_at >= h.answered_at

        harness.go(body)

    def test_busy(self, harness: ContractHarness) -> None:
        async def body(driver: Driver) -> None:
            h = await driver.originate(harness.request("busy"))
            events = await collect_until(h, lambda e: False)
            assert isinstance(events[-1], HungUp)
            assert not any(isinstance(e, Answered) for e in events)
            assert events[-1].cause.name == "USER_BUSY"
            assert h.outcome is Outcome.BUSY

        harness.go(body)

    def test_invalid_number(self, harness: ContractHarness) -> None:
        async def body(driver: Driver) -> None:
            h = await driver.originate(harness.request("invalid"))
            events = await collect_until(h, lambda e: False)
            assert isinstance(events[-1], HungUp)
            assert h.outcome is Outcome.INVALID_NUMBER

        harness.go(body)

    def test_rejected(self, harness: ContractHarness) -> None:
        async def body(driver: Driver) -> None:
            h = await driver.originate(harness.request("reject"))
            events = await collect_until(h, lambda e: False)
            assert events[-1].cause.name == "CALL_REJECTED"  # type: ignore[union-attr]
            assert h.outcome is Outcome.REJECTED

        harness.go(body)

    def test_ring_timeout_cancels(self, harness: ContractHarness) -> None:
        async def body(driver: Driver) -> None:
            h = await driver.originate(harness.request("ring_forever", ring_timeout_s=2.0))
            events = await collect_until(h, lambda e: False)
            last = events[-1]
            assert isinstance(last, HungUp) and last.by == "local"
            assert last.cause.name == "ORIGINATOR_CANCEL"
            assert h.outcome is Outcome.CANCELLED
            assert h.answered_at is None

        harness.go(body)

    def test_hangup_before_answer_is_cancel(self, harness: ContractHarness) -> None:
        async def body(driver: Driver) -> None:
            h = await driver.originate(harness.request("ring_forever"))
            await h.hangup()
            events = await collect_until(h, lambda e: False)
            assert isinstance(events[-1], HungUp)
            assert h.outcome is Outcome.CANCELLED

        harness.go(body)

    def test_play_reports_playback_finished(self, harness: ContractHarness) -> None:
        async def body(driver: Driver) -> None:
            h = await driver.originate(harness.request("answer"))
            await collect_until(h, lambda e: isinstance(e, Answered))
            await h.play(_tone(200), 41)
            events = await collect_until(h, lambda e: isinstance(e, PlaybackFinished))
            done = events[-1]
            assert isinstance(done, PlaybackFinished), events
            assert done.play_id == 41 and not done.interrupted
            await h.hangup()
            await collect_until(h, lambda e: False)

        harness.go(body)

    def test_stop_playback_interrupts_at_once(self, harness: ContractHarness) -> None:
        async def body(driver: Driver) -> None:
            h = await driver.originate(harness.request("answer"))
            await collect_until(h, lambda e: isinstance(e, Answered))
            await h.play(_tone(5000), 1)
            await h.play(_tone(5000), 2)
            await h.stop_playback()
            events = await collect_until(h, lambda e: isinstance(e, PlaybackFinished) and e.play_id == 2)
            finished = {e.play_id: e.interrupted for e in events if isinstance(e, PlaybackFinished)}
            assert finished == {1: True, 2: True}, events
            await h.hangup()
            await collect_until(h, lambda e: False)

        harness.go(body)

    def test_remote_hangup_after_answer(self, harness: ContractHarness) -> None:
        async def body(driver: Driver) -> None:
            h = await driver.originate(harness.request("answer_hangup"))
            events = await collect_until(h, lambda e: False)
            assert any(isinstance(e, Answered) for e in events)
            last = events[-1]
            assert isinstance(last, HungUp) and last.by == "remote"
            assert h.outcome is Outcome.CONNECTED

        harness.go(body)

    def test_dtmf_from_customer_is_delivered(self, harness: ContractHarness) -> None:
        async def body(driver: Driver) -> None:
            h = await driver.originate(harness.request("answer_dtmf"))
            await collect_until(h, lambda e: isinstance(e, Answered))
            prod = getattr(h, "bot_turn", None)
            if prod is not None:  # simulated customers answer a question that offers keys
                from telephony.contract import BotTurn

                await h.play(_tone(200), 1)
                prod(BotTurn("menu", "press 1", True, dtmf=("1", "2"), play_id=1))
            events = await collect_until(h, lambda e: isinstance(e, DtmfReceived))
            assert isinstance(events[-1], DtmfReceived), events
            assert events[-1].digit in "0123456789*#ABCD"
            await h.hangup()
            await collect_until(h, lambda e: False)

        harness.go(body)

    def test_send_dtmf_rejects_non_digits(self, harness: ContractHarness) -> None:
        async def body(driver: Driver) -> None:
            h = await driver.originate(harness.request("answer"))
            await collect_until(h, lambda e: isinstance(e, Answered))
            await h.send_dtmf("12#")
            with pytest.raises(ValueError):
                await h.send_dtmf("1x")
            await h.hangup()
            await collect_until(h, lambda e: False)

        harness.go(body)

    def test_incoming_frames_are_20ms_and_end_at_hangup(self, harness: ContractHarness) -> None:
        if not harness.media:
            pytest.skip("this harness carries no audio")

        async def body(driver: Driver) -> None:
            h = await driver.originate(harness.request("answer"))
            await collect_until(h, lambda e: isinstance(e, Answered))
            got: list[bytes] = []
            async for f in h.incoming_frames():
                got.append(f)
                if len(got) == 10:
                    break
            assert all(len(f) == FRAME_BYTES for f in got)
            await h.hangup()
            await collect_until(h, lambda e: False)
            rest = [f async for f in h.incoming_frames()]
            assert all(len(f) == FRAME_BYTES for f in rest)

        harness.go(body)

    def test_recording_gets_both_directions_and_is_closed(self, harness: ContractHarness) -> None:
        async def body(driver: Driver) -> None:
            h = await driver.originate(harness.request("answer"))
            await collect_until(h, lambda e: isinstance(e, Answered))
            sink = _Sink()
            await h.start_recording(sink)
            await h.play(_tone(300), 5)
            await collect_until(h, lambda e: isinstance(e, PlaybackFinished))
            await h.hangup()
            await collect_until(h, lambda e: False)
            assert sink.closed == 1
            assert sink.frames, "nothing was recorded"
            assert all(len(i) == len(o) and len(i) % FRAME_BYTES == 0 for i, o in sink.frames)
            outbound = b"".join(o for _, o in sink.frames)
            assert any(outbound), "the bot's prompt is missing from the recording"

        harness.go(body)
