"""Each answer class end to end on the simulator: the carrier plays it, the call session
classifies it (text mode, the same clip the network plays) and the outcome follows."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from runtime.answer.consequences import AnswerSetup
from runtime.answer.references import default_spotter
from runtime.answer.voices import scene_voice
from runtime.calls import CallResult, VirtualClock, run_call
from telephony.contract import OriginateRequest
from telephony.outcomes import Outcome
from telephony.simulator import PersonaMix, SimulatorDriver
from telephony.simulator.carrier import plan_call
from tests.support.amd_scenes import PROFILE, START, number_for
from tests.support.scripts import library_script

ROOT = Path(__file__).resolve().parents[2]


def _call(number: str, setup: AnswerSetup | None, seed: int = 1) -> tuple[CallResult, SimulatorDriver]:
    async def main() -> tuple[CallResult, SimulatorDriver]:
        clock = VirtualClock(START)
        drv = SimulatorDriver(seed=seed, carrier=PROFILE, personas=PersonaMix.only("agreeable"), clock=clock,
                              scene_voice=scene_voice())
        res = await run_call(drv, OriginateRequest(number, "95555", "call-1"), library_script(), {"extra_fee": 3},
                             clock=clock, answer=setup)
        await drv.aclose()
        return res, drv

    return asyncio.run(main())


SETUP = AnswerSetup(spotter=None)


@pytest.fixture(scope="module")
def setup() -> AnswerSetup:
    return AnswerSetup(spotter=default_spotter())


@pytest.mark.audio
@pytest.mark.parametrize(("label", "phase"), [
    ("announcement_invalid", "early"),
    ("announcement_suspended", "early"),
    ("announcement_powered_off", "early"),
    ("announcement_busy", "early"),
    ("announcement_unreachable", "early"),
    ("announcement_invalid", "answered"),
    ("announcement_suspended", "answered"),
    ("voicemail", "answered"),
    ("screening", "answered"),
    ("ivr", "answered"),
    ("fax", "answered"),
])
def test_each_scene_becomes_its_outcome(setup: AnswerSetup, label: str, phase: str) -> None:
    res, drv = _call(number_for(label, phase), setup)
    assert res.outcome == Outcome(label), res.answer
    assert res.answer and res.answer[-1]["class"] == label
    assert res.engine_record is None or not res.engine_record.turns  # the bot never talked to it
    if phase == "early":
        assert res.talk_ms == 0 and res.cause.sip_status is not None  # the SIP status it came with stays


@pytest.mark.audio
def test_colour_ringback_does_not_end_the_call_and_the_person_gets_the_script(setup: AnswerSetup) -> None:
    res, _ = _call(number_for("ringback_music", "early"), setup)
    assert res.answer[0]["class"] == "ringback_music"
    if res.outcome is Outcome.CONNECTED:
        assert res.engine_record is not None and res.engine_record.turns


@pytest.mark.audio
def test_without_classification_an_announcement_after_answer_counts_as_connected() -> None:
    """The old behaviour, which the classifier fixes: the bot talks to a recording."""
    res, _ = _call(number_for("announcement_suspended", "answered"), None)
    assert res.outcome is Outcome.CONNECTED and res.answer == ()


@pytest.mark.audio
def test_a_person_is_not_held_up(setup: AnswerSetup) -> None:
    for i in range(200):
        n = f"1391000{i:04d}"
        plan = plan_call(1, n, "1", START, PROFILE)
        if plan.kind.value == "answer" and plan.scene is None:
            break
    res, _ = _call(n, setup)
    assert res.outcome is Outcome.CONNECTED and res.answer == ()  # no machine audio: no verdict needed
    assert res.engine_record is not None and res.engine_record.turns


@pytest.mark.audio
def test_voicemail_gets_the_tasks_message_and_a_screener_the_callers_name(setup: AnswerSetup) -> None:
    from dataclasses import replace

    msg = replace(setup, on_machine="message", message="您好，这里是话费提醒，请及时充值。")
    res, drv = _call(number_for("voicemail", "answered"), msg)
    assert res.outcome is Outcome.VOICEMAIL and res.hangup_by == "local"
    screen = replace(setup, screener_text="我是移动客服，提醒您充值")
    res, _ = _call(number_for("screening", "answered"), screen)
    assert res.outcome is Outcome.SCREENING and res.answer[-1]["class"] == "screening"


def test_answer_setup_checks_its_fields() -> None:
    with pytest.raises(ValueError, match="on_machine must be one of"):
        AnswerSetup(on_machine="shout")
    with pytest.raises(ValueError, match="needs the message"):
        AnswerSetup(on_machine="message")
    with pytest.raises(ValueError, match="at most 500"):
        AnswerSetup(screener_text="x" * 501)


def _audio_call(number: str, setup: AnswerSetup) -> CallResult:
    """Audio mode: the scene reaches the session as 20 ms frames, as over SIP."""

    async def quiet_customer(text: str, lang: str) -> bytes:
        return bytes(3200)

    async def main() -> CallResult:
        clock = VirtualClock(START)
        drv = SimulatorDriver(seed=1, carrier=PROFILE, personas=PersonaMix.only("agreeable"), clock=clock,
                              customer_voice=quiet_customer, scene_voice=scene_voice())
        res = await run_call(drv, OriginateRequest(number, "95555", "call-a"), library_script(), {"extra_fee": 3},
                             clock=clock, answer=setup)
        await drv.aclose()
        return res

    return asyncio.run(main())


@pytest.mark.audio
@pytest.mark.parametrize(("label", "phase"), [("announcement_suspended", "early"), ("voicemail", "answered")])
def test_audio_mode_frames_reach_the_classifier(setup: AnswerSetup, label: str, phase: str) -> None:
    res = _audio_call(number_for(label, phase), setup)
    assert res.outcome == Outcome(label), res.answer


def test_settings_switch_classification_on_for_a_runner(tmp_path: Path) -> None:
    from huashu.core.config import AnswerSettings, Settings
    from runtime.answer.consequences import setup_from_settings
    from runtime.campaigns.drivers import RunnerError, build_runner

    assert setup_from_settings(AnswerSettings()) is None  # off unless asked for
    on = setup_from_settings(AnswerSettings(enabled=True, recogniser="none", on_machine="message", message="请回电"))
    assert on is not None and on.on_machine == "message" and on.spotter is None
    with pytest.raises(ValueError, match="answer settings: on_machine must be one of"):
        setup_from_settings(AnswerSettings(enabled=True, recogniser="none", on_machine="shout"))
    runner = build_runner("simulator", lambda s, v: {}, Settings(data_dir=tmp_path, answer=AnswerSettings(enabled=True, recogniser="none")))
    assert runner.answer is not None
    with pytest.raises(RunnerError, match="answer settings: unknown recogniser"):
        build_runner("simulator", lambda s, v: {}, Settings(data_dir=tmp_path, answer=AnswerSettings(enabled=True, recogniser="ears")))
