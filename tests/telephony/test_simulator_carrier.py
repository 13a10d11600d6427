"""The virtual carrier and the personas: deterministic, time-of-day shaped, to the point."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime

import pytest

from telephony.contract import BotTurn
from telephony.simulator.carrier import (
    DEFAULT_ANSWER_CURVE,
    CarrierProfile,
    PlanKind,
    half_hour_slot,
    plan_call,
)
from telephony.simulator.clock import CHINA_TZ
from telephony.simulator.personas import PERSONAS, HangUpNow, PersonaMix, Press, Say, Silent, choose_reply

NOON = datetime(2026, 3, 2, 12, 5, tzinfo=CHINA_TZ)
NIGHT = datetime(2026, 3, 2, 3, 5, tzinfo=CHINA_TZ)


def _kinds(when: datetime, n: int = 3000, seed: int = 5) -> Counter[PlanKind]:
    p = CarrierProfile()
    return Counter(plan_call(seed, f"1380{i:07d}", "1", when, p).kind for i in range(n))


def test_same_seed_and_number_same_plan_other_seed_differs() -> None:
    p = CarrierProfile()
    a = [plan_call(1, f"139{i:08d}", "1", NOON, p) for i in range(200)]
    b = [plan_call(1, f"139{i:08d}", "1", NOON, p) for i in range(200)]
    c = [plan_call(2, f"139{i:08d}", "1", NOON, p) for i in range(200)]
    assert a == b
    assert a != c


def test_invalid_numbers_stay_invalid_on_redial() -> None:
    p = CarrierProfile()
    invalid = [
        f"138{i:08d}"
        for i in range(2000)
        if plan_call(9, f"138{i:08d}", "1", NOON, p).kind is PlanKind.INVALID
    ]
    assert invalid
    assert all(plan_call(9, n, "2", NIGHT, p).kind is PlanKind.INVALID for n in invalid)


def test_answer_rate_has_a_best_slot() -> None:
    noon, night = _kinds(NOON), _kinds(NIGHT)
    assert noon[PlanKind.ANSWER] > 5 * max(1, night[PlanKind.ANSWER])
    best = max(range(48), key=lambda s: DEFAULT_ANSWER_CURVE[s])
    assert best in (24, 38)  # 12:00 or 19:00
    assert half_hour_slot(NOON) == 24


def test_outcome_mix_follows_the_profile() -> None:
    k = _kinds(NOON, n=4000)
    p = CarrierProfile()
    assert abs(k[PlanKind.INVALID] / 4000 - p.invalid_share) < 0.015
    assert abs(k[PlanKind.BUSY] / 4000 - p.busy_share * (1 - p.invalid_share)) < 0.02
    assert (
        k[PlanKind.POWERED_OFF] and k[PlanKind.REJECT] and k[PlanKind.NO_ANSWER] and k[PlanKind.NETWORK_ERROR]
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"answer_curve": (0.5,) * 47},
        {"answer_curve": (1.5,) * 48},
        {"busy_share": 0.9, "invalid_share": 0.2},
        {"setup_s": (2.0, 1.0)},
    ],
)
def test_bad_profiles_are_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        CarrierProfile(**kwargs)  # type: ignore[arg-type]


def _turn(**kw: object) -> BotTurn:
    base: dict[str, object] = {
        "node_id": "offer",
        "text": "您要办理吗？",
        "listening": True,
        "intents": {"affirm": (), "deny": (), "consider_later": ("我考虑一下",)},
    }
    base.update(kw)
    return BotTurn(**base)  # type: ignore[arg-type]


def test_personas_answer_to_the_point() -> None:
    rng = random.Random(1)
    agree = choose_reply(PERSONAS["agreeable"], rng, _turn(), 0)
    refuse = choose_reply(PERSONAS["already_done"], rng, _turn(), 0)
    assert isinstance(agree, Say) and agree.intent == "affirm"
    assert isinstance(refuse, Say) and refuse.intent in ("already_done", "deny")
    assert isinstance(choose_reply(PERSONAS["silent"], rng, _turn(), 0), Silent)
    assert isinstance(choose_reply(PERSONAS["agreeable"], rng, _turn(listening=False), 0), Silent)


def test_english_scripts_get_english_answers() -> None:
    reply = choose_reply(
        PERSONAS["refuser"].__class__("r", ("deny",)),
        random.Random(2),
        _turn(text="Shall I?", language="en"),
        0,
    )
    assert isinstance(reply, Say) and reply.text.isascii()


def test_script_phrases_are_used_for_custom_intents() -> None:
    persona = PERSONAS["agreeable"].__class__("later", ("consider_later",), script_phrase_share=1.0)
    reply = choose_reply(persona, random.Random(3), _turn(), 0)
    assert isinstance(reply, Say) and reply.text == "我考虑一下"


def test_dtmf_menus_get_key_presses_and_patience_runs_out() -> None:
    rng = random.Random(4)
    press = choose_reply(PERSONAS["agreeable"], rng, _turn(dtmf=("1", "2")), 0)
    assert isinstance(press, Press) and press.digits == "1"
    assert isinstance(choose_reply(PERSONAS["silent"], rng, _turn(), 10), HangUpNow)


def test_curious_persona_moves_on() -> None:
    rng = random.Random(5)
    turn = _turn(intents={"who_are_you": (), "ask_price": (), "affirm": ()})
    intents = [choose_reply(PERSONAS["curious"], rng, turn, i) for i in range(3)]
    assert [r.intent for r in intents if isinstance(r, Say)] == ["who_are_you", "ask_price", "affirm"]


def test_persona_mix_validation_and_weights() -> None:
    with pytest.raises(ValueError, match="unknown persona"):
        PersonaMix({"pirate": 1.0})
    with pytest.raises(ValueError):
        PersonaMix({"agreeable": 0.0})
    rng = random.Random(6)
    picks = Counter(PersonaMix({"agreeable": 3, "refuser": 1}).pick(rng).name for _ in range(4000))
    assert 2.5 < picks["agreeable"] / picks["refuser"] < 3.5


def test_a_customers_own_answer_curve_replaces_the_population_curve() -> None:
    from telephony.simulator.carrier import parse_answer_curve

    p = CarrierProfile(invalid_share=0, powered_off_share=0, busy_share=0, network_error_share=0)
    night_owl = tuple(0.95 if slot == 6 else 0.0 for slot in range(48))  # only 03:00-03:30
    numbers = [f"1360{i:07d}" for i in range(300)]
    at_night = Counter(plan_call(1, n, "1", NIGHT, p, night_owl).kind for n in numbers)
    at_noon = Counter(plan_call(1, n, "1", NOON, p, night_owl).kind for n in numbers)
    assert at_night[PlanKind.ANSWER] > 200 and at_noon[PlanKind.ANSWER] == 0
    text = ",".join(str(x) for x in night_owl)
    assert parse_answer_curve(text) == night_owl
    assert parse_answer_curve("[" + text + "]") == night_owl  # JSON list, as the audience store writes it
    with pytest.raises(ValueError, match="48"):
        parse_answer_curve("0.5,0.5")
    with pytest.raises(ValueError, match=r"answer_by_half_hour\[3\]"):
        parse_answer_curve(",".join(["0.1"] * 3 + ["7"] + ["0.1"] * 44))
    with pytest.raises(ValueError, match="numbers"):
        parse_answer_curve("a," * 47 + "b")
