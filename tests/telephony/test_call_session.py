"""The call session: the real dialog engine over the simulator, in virtual time (text mode)."""

from __future__ import annotations

import asyncio
import time
import wave
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from designer.model import Script
from runtime.calls import CallResult, VirtualClock, run_call
from runtime.dialog.engine import DialogEngine
from telephony.contract import OriginateRequest
from telephony.outcomes import Outcome
from telephony.recording import LocalRecordingStore
from telephony.simulator import CarrierProfile, PersonaMix, SimulatorDriver
from telephony.simulator.personas import Persona
from tests.support.scripts import library_script

ROOT = Path(__file__).resolve().parents[2]
ALWAYS = CarrierProfile(
    answer_curve=(1.0,) * 48, invalid_share=0, powered_off_share=0, busy_share=0, network_error_share=0
)
BUSY = CarrierProfile(invalid_share=0, powered_off_share=0, busy_share=1.0, network_error_share=0)




VARS = {"extra_fee": 42}


def _call(
    persona: str | PersonaMix,
    *,
    profile: CarrierProfile = ALWAYS,
    script: Script | None = None,
    variables: Mapping[str, Any] = VARS,
    store: LocalRecordingStore | None = None,
    seed: int = 1,
    number: str = "13800000001",
    **kw: Any,
) -> tuple[CallResult, SimulatorDriver]:
    async def main() -> tuple[CallResult, SimulatorDriver]:
        clock = VirtualClock()
        mix = persona if isinstance(persona, PersonaMix) else PersonaMix.only(persona)
        drv = SimulatorDriver(seed=seed, carrier=profile, personas=mix, clock=clock)
        res = await run_call(
            drv,
            OriginateRequest(number, "95555", "call-1"),
            script or library_script(),
            variables,
            clock=clock,
            recording_store=store,
            **kw,
        )
        return res, drv

    return asyncio.run(main())


def test_agreeable_customer_orders_with_a_key_press() -> None:
    t = time.perf_counter()
    res, _ = _call("agreeable")
    assert time.perf_counter() - t < 2.0  # a minute-long call in virtual time
    rec = res.engine_record
    assert res.outcome is Outcome.CONNECTED and rec is not None
    assert rec.path[0] == "open" and rec.path[-1] == "ordered_end", rec.path
    assert "ordered" in rec.tags
    assert any(t.kind == "dtmf" and t.customer == "<dtmf:1>" for t in rec.turns)
    assert res.hangup_by == "local" and rec.ended_by == "end_node"
    assert res.talk_ms > 10_000 and res.ring_ms > 0
    assert res.talk_ms == pytest.approx(rec.duration_ms, abs=50)


def test_silent_customer_hits_the_silence_timers() -> None:
    res, _ = _call("silent")
    rec = res.engine_record
    assert rec is not None
    assert [t.kind for t in rec.turns].count("silence") >= 2
    assert rec.ended_by == "silence" or rec.path[-1] == "end_silence"
    # two 5 s silence timeouts really elapsed (virtual time)
    assert res.talk_ms >= 10_000


def test_refuser_ends_refused_and_opt_out_is_tagged() -> None:
    refused, _ = _call(PersonaMix.only("refuser"), seed=3)
    assert refused.engine_record is not None
    assert refused.engine_record.path[-1] in ("refused_end",) or refused.hangup_by == "remote"
    opt, _ = _call("opt_out")
    assert opt.engine_record is not None and "opt_out" in opt.engine_record.tags


def test_customer_hangup_is_fed_to_the_engine() -> None:
    class Impatient(SimulatorDriver):
        async def originate(self, req: OriginateRequest) -> Any:
            call = await super().originate(req)
            call.persona = Persona("impatient", (), patience_turns=0)
            return call

    async def main() -> CallResult:
        clock = VirtualClock()
        drv = Impatient(seed=1, carrier=ALWAYS, clock=clock)
        return await run_call(
            drv, OriginateRequest("13800000001", "95555", "c"), library_script(), VARS, clock=clock
        )

    res = asyncio.run(main())
    assert res.hangup_by == "remote" and res.outcome is Outcome.CONNECTED
    assert res.engine_record is not None and res.engine_record.ended_by == "customer_hangup"


def test_barge_in_stops_the_prompt() -> None:
    barger = Persona("barger", ("deny",), barge_in_share=1.0)

    class Barging(SimulatorDriver):
        async def originate(self, req: OriginateRequest) -> Any:
            call = await super().originate(req)
            call.persona = barger
            self.last = call
            return call

    async def main() -> tuple[CallResult, Any]:
        clock = VirtualClock()
        drv = Barging(seed=1, carrier=ALWAYS, clock=clock)
        res = await run_call(drv, OriginateRequest("13800000001", "95555", "c"), library_script(), VARS, clock=clock)
        return res, drv.last

    res, call = asyncio.run(main())
    rec = res.engine_record
    assert rec is not None and rec.path[-1] == "refused_end"
    queued_at, first_play, seconds = call.log.plays[0]
    said_at = call.log.said[0][0]
    # the customer spoke over the opening prompt, which stopped there and then
    assert said_at < queued_at + seconds - 0.4
    assert call.log.interrupted == [(said_at, first_play)]
    assert rec.turns[0].kind == "speech" and rec.turns[0].at_ms == round((said_at - call.answered_at) * 1000)
    # the goodbye prompt queued right after the stop is played in full, then the bot hangs up
    (goodbye_at, _, goodbye_s) = call.log.plays[1]
    assert goodbye_at == said_at and res.hangup_by == "local"
    assert res.talk_ms == round((goodbye_at + goodbye_s - call.answered_at) * 1000)


def test_unanswered_calls_have_no_engine_record() -> None:
    res, drv = _call("agreeable", profile=BUSY)
    assert res.outcome is Outcome.BUSY and res.engine_record is None
    assert res.talk_ms == 0 and res.cause.name == "USER_BUSY"
    assert drv.stats.outcomes == {"busy": 1}


def test_missing_variable_is_rejected_before_dialling() -> None:
    from runtime.dialog.render import VariableError

    async def main() -> SimulatorDriver:
        clock = VirtualClock()
        drv = SimulatorDriver(seed=1, carrier=ALWAYS, clock=clock)
        with pytest.raises(VariableError):
            await run_call(drv, OriginateRequest("1", "2", "c"), library_script(), {}, clock=clock)
        return drv

    assert asyncio.run(main()).stats.placed == 0


def test_engine_failure_hangs_up_and_is_reported() -> None:
    class Exploding(DialogEngine):
        def handle(self, event: Any) -> list[Any]:
            if type(event).__name__ == "PromptFinished":
                raise RuntimeError("boom")
            return super().handle(event)

    res, drv = _call("agreeable", engine_factory=lambda s, v: Exploding(s, v))
    assert res.error is not None and "boom" in res.error
    assert res.outcome is Outcome.CONNECTED and res.hangup_by == "local"
    assert not drv.calls  # nothing left open


def test_recording_is_written_for_the_talk_time(tmp_path: Path) -> None:
    store = LocalRecordingStore(tmp_path)
    res, _ = _call("agreeable", store=store)
    assert res.recording is not None
    assert store.open_read("call-1") == res.recording.path
    with wave.open(str(res.recording.path)) as w:
        assert w.getnchannels() == 2
        seconds = w.getnframes() / w.getframerate()
    assert seconds == pytest.approx(res.talk_ms / 1000, abs=0.05)


def test_same_seed_same_calls() -> None:
    a, _ = _call(PersonaMix.default(), seed=7, number="13911112222")
    b, _ = _call(PersonaMix.default(), seed=7, number="13911112222")
    assert a.to_dict() == b.to_dict()


def test_many_concurrent_calls_share_one_virtual_clock() -> None:
    async def main() -> list[CallResult]:
        clock = VirtualClock()
        drv = SimulatorDriver(seed=2, clock=clock)
        script = library_script()
        return await asyncio.gather(
            *(
                run_call(
                    drv, OriginateRequest(f"1390000{i:04d}", "95555", f"c{i}"), script, VARS, clock=clock
                )
                for i in range(150)
            )
        )

    results = asyncio.run(main())
    outcomes = {r.outcome for r in results}
    assert Outcome.CONNECTED in outcomes and len(outcomes) >= 4
    connected = [r for r in results if r.outcome is Outcome.CONNECTED]
    assert all(r.engine_record is not None and r.engine_record.path for r in connected)
    assert all(r.engine_record is None for r in results if r.outcome is not Outcome.CONNECTED)


def test_complaint_is_transferred_to_the_agent_queue() -> None:
    res, drv = _call("complainer")
    rec = res.engine_record
    assert rec is not None and rec.path[-1] == "complaint_transfer", rec.path
    assert res.transferred_to == "complaints" and rec.transferred_to == "complaints"
    assert rec.ended_by == "transfer" and res.cause.name == "BLIND_TRANSFER"
    assert res.outcome is Outcome.CONNECTED


def test_failed_transfer_continues_the_script() -> None:
    from telephony.contract import DriverError

    class NoAgents(SimulatorDriver):
        async def originate(self, req: OriginateRequest) -> Any:
            call = await super().originate(req)

            async def refuse(destination: str) -> None:
                raise DriverError(f"queue {destination} has no free agent")

            call.transfer = refuse  # type: ignore[method-assign]
            return call

    async def main() -> CallResult:
        clock = VirtualClock()
        drv = NoAgents(seed=1, carrier=ALWAYS, personas=PersonaMix.only("complainer"), clock=clock)
        return await run_call(
            drv, OriginateRequest("13800000001", "95555", "c"), library_script(), VARS, clock=clock
        )

    res = asyncio.run(main())
    rec = res.engine_record
    assert rec is not None and rec.path[-2:] == ["complaint_transfer", "complaint_end"], rec.path
    assert res.transferred_to is None and rec.transferred_to is None


def test_unconfirmed_hangup_ends_the_session_after_a_grace_period() -> None:
    class Deaf(SimulatorDriver):
        async def originate(self, req: OriginateRequest) -> Any:
            call = await super().originate(req)

            async def ignore(cause: str = "NORMAL_CLEARING") -> None:
                return None  # a driver that lost the BYE: never confirms

            call.hangup = ignore  # type: ignore[method-assign]
            call.persona = Persona("polite_refuser", ("deny",))  # never hangs up itself
            return call

    async def main() -> tuple[CallResult, float]:
        clock = VirtualClock()
        drv = Deaf(seed=1, carrier=ALWAYS, personas=PersonaMix.only("refuser"), clock=clock)
        res = await run_call(drv, OriginateRequest("13800000001", "95555", "c"), library_script(), VARS, clock=clock)
        return res, clock.now()

    res, now = asyncio.run(main())
    assert res.engine_record is not None and res.engine_record.path[-1] == "refused_end"
    assert res.hangup_by == "local" and res.cause.name == "NORMAL_CLEARING"
    assert res.outcome is Outcome.CONNECTED
