"""Each perturbation family makes what people say on the phone, deterministically under a seed."""

from __future__ import annotations

import random

import pytest

from designer.textfold import normalize
from runtime.lab.variants import FAMILIES, FAMILIES_EN, contrary, contrary_en, core_of
from runtime.nlu.pinyin import fuzzy_key

pytestmark = pytest.mark.offline


def _rng() -> random.Random:
    return random.Random(7)


def test_filler_puts_a_hesitation_before_the_answer() -> None:
    for _ in range(20):
        (first, *rest) = FAMILIES["filler"]("不需要", _rng())
        assert first.endswith("不需要") and first != "不需要"
        assert any(first.startswith(f.rstrip("，")) for f in ("嗯", "那个", "就是说", "哦", "呃", "这个", "啊"))
    assert FAMILIES["filler"]("好", _rng())[0] in {"嗯，好", "哦，好", "啊，好", "呃，好"}  # no "就是说好"


def test_particle_and_repeat() -> None:
    assert FAMILIES["particle"]("方便", _rng())[0][-1] in "吧啊呢哈呀嘛的"
    assert FAMILIES["repeat"]("好", _rng()) == ["好好好"]
    assert FAMILIES["repeat"]("可以", _rng()) == ["可以可以"]
    assert FAMILIES["repeat"]("ok", _rng()) == ["ok ok"]


def test_reorder_moves_the_adverb_behind_the_verb() -> None:
    assert FAMILIES["reorder"]("已经充了", _rng()) == ["充了已经"]


def test_length_gives_a_short_and_a_long_form() -> None:
    short, long = FAMILIES["length"]("我充了吧", _rng())
    assert short == "充了" and "我充了吧" in long and len(long) > 8
    # the aspect stays: "已经充了" is not shortened to "充了" nor "充值了" to "充值"
    assert all(v.endswith("了") or "已经充了" in v for v in FAMILIES["length"]("已经充了", _rng()))
    assert "充值" not in FAMILIES["length"]("充值了", _rng())
    assert FAMILIES["length"]("好", _rng()) == []  # "是这样的，好" is not said


def test_numbers_are_written_another_way_only_where_there_is_a_quantity() -> None:
    assert set(FAMILIES["number"]("两百块", _rng())) >= {"200块", "二百块"}
    assert "两百" in "".join(FAMILIES["number"]("充200", _rng()))
    assert FAMILIES["number"]("过两天", _rng()) == ["过2天"]
    assert FAMILIES["number"]("一般", _rng()) == [] and FAMILIES["number"]("想一想", _rng()) == []


def test_homophones_sound_the_same_but_are_written_differently() -> None:
    seen = set()
    for seed in range(30):
        for v in FAMILIES["homophone"]("充值", random.Random(seed)):
            assert v != "充值" and len(v) == 2
            seen.add(v)
    assert "冲值" in seen  # the known phone-line confusion
    # every pinyin variant is a near-homophone by the runtime's own measure (or a listed confusion)
    assert any(fuzzy_key(normalize(v)) == fuzzy_key("充值") for v in seen)


def test_traditional_and_english() -> None:
    assert FAMILIES["traditional"]("话费", _rng()) == ["話費"]
    assert FAMILIES["traditional"]("好", _rng()) == []
    assert "OK" in FAMILIES["english"]("可以", _rng())[0]


@pytest.mark.parametrize(("phrase", "expected"), [
    ("充了", {"没充", "还没充呢"}), ("已经充了", {"没充", "还没充呢"}), ("不需要", {"我不是不需要", "需要"}),
    ("有兴趣", {"没有兴趣"}), ("充值", {"还没充值"}),
])
def test_contrary_variants_mean_the_opposite(phrase: str, expected: set[str]) -> None:
    assert set(contrary(phrase, _rng())) == expected


def test_contrary_of_a_graded_word_and_of_things_that_cannot_be_negated() -> None:
    assert contrary("方便", random.Random(1))[0] in {"不方便", "不太方便", "不是很方便"}
    assert contrary("你说吧", _rng()) == [] and contrary("要钱吗", _rng()) == [] and contrary("用不着", _rng()) == []
    assert contrary_en("interested", _rng())[0] in {"not interested", "no, not interested"}
    assert contrary_en("nope", _rng()) == []


def test_core_drops_wrappers_fillers_and_particles() -> None:
    assert core_of("嗯，那个，充好了吧") == "充好了"
    assert core_of("OK OK，卡顿") == "卡顿"
    assert core_of("um, paid then") == "paid"


@pytest.mark.parametrize("families", [FAMILIES, FAMILIES_EN])
def test_every_family_is_deterministic_under_a_seed(families: dict) -> None:
    for name, make in families.items():
        a = [make(p, random.Random(3)) for p in ("已经充了", "不需要", "两百块", "yes please")]
        b = [make(p, random.Random(3)) for p in ("已经充了", "不需要", "两百块", "yes please")]
        assert a == b, name


def test_paraphrases_say_the_act_in_other_words() -> None:
    """A branch gets its act's everyday phrases: intent branches by name, keyword branches by
    their markers (打错了 -> not_me), nothing for a branch the bank knows no act of."""
    import json
    from pathlib import Path

    from designer.model import Script
    from runtime.lab.paraphrase import BANK_ZH, MAX_PARAPHRASES, act_of, paraphrases_of

    doc = json.loads((Path(__file__).resolve().parents[2] / "scripts_library" / "mobile_semi_suspension.json")
                     .read_text(encoding="utf-8"))
    script = Script.from_dict(doc)
    by_id = {b.id: b for n in script.nodes for b in n.branches}
    assert act_of(script, by_id["remind_later"]) == "consider_later"
    assert act_of(script, by_id["open_not_me"]) == "not_me"
    assert act_of(script, by_id["remind_how"]) == "how_to_pay"
    got = paraphrases_of(script, by_id["remind_later"], random.Random(3))
    assert len(got) == MAX_PARAPHRASES and set(got) <= set(BANK_ZH["consider_later"])
    assert got == paraphrases_of(script, by_id["remind_later"], random.Random(3))  # seeded
    keywords = script.intents["consider_later"].phrases()
    assert any(not any(k in p for k in keywords) for p in BANK_ZH["consider_later"])  # words the script lacks
