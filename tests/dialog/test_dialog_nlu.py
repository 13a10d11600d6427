"""Matching that survives real ASR output: each feature in Chinese and English."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from designer.model import Script
from designer.textfold import normalize
from runtime.nlu.matcher import Matcher
from runtime.nlu.negation import is_negated
from runtime.nlu.numbers import extract_numbers, first_number, to_arabic
from runtime.nlu.phrases import PhraseSet
from runtime.nlu.pinyin import fold_syllable, fuzzy_key
from runtime.nlu.utterance import Utterance


def _found(phrases: list[str], text: str, regexes: tuple[str, ...] = ()) -> str | None:
    ps = PhraseSet(phrases, regexes)
    u = Utterance(text)
    for pass_ in ("exact", "pinyin", "degree"):
        hit = ps.find(u, pass_)
        if hit is not None:
            return hit.how
    return None


def test_normalize_folds_traditional_width_case_and_punctuation() -> None:
    assert normalize("我已經充值了，謝謝！") == "我已经充值了 谢谢"
    assert normalize("I DON'T want it!!") == "i dont want it"
    assert normalize("ＡＢＣ１２３") == "abc123"
    assert normalize("我 已经 充值 了 ok then") == "我已经充值了 ok then"  # vosk-style word spacing


def test_normalize_keeps_the_letters_of_every_script() -> None:
    """Hangul, kana and accented Latin letters are words, not separators (they were dropped, so a
    Korean keyword folded to "" and a Korean script could never branch on what it heard)."""
    assert normalize("네, 좋아요!") == "네 좋아요"
    assert normalize("アニヨ はい。") == "アニヨ はい"
    assert normalize("Sí, CLARO") == "sí claro"
    assert normalize("a_b 😀 c") == "a b c"
    assert _found(["아니요"], "아니요 괜찮아요") is not None
    assert _found(["아니요"], "네 좋아요") is None


def test_pinyin_folds_common_confusions() -> None:
    assert fold_syllable("zhang") == fold_syllable("zan")
    assert fold_syllable("ning") == fold_syllable("lin")
    assert fold_syllable("sheng") == fold_syllable("sen")
    assert fold_syllable("ba") != fold_syllable("pa")
    assert len(fuzzy_key("冲值了 ok")) == len("冲值了 ok")


@pytest.mark.parametrize(("phrase", "text", "how"), [
    ("充值", "昨天冲值了", "pinyin"),
    ("充值", "我已經充值了", "keyword"),
    ("信号差", "你们信号太差了", "degree"),
    ("需要", "需要的", "keyword"),
])
def test_zh_keyword_passes(phrase: str, text: str, how: str) -> None:
    assert _found([phrase], text) == how


@pytest.mark.parametrize(("phrase", "text"), [
    ("需要", "不需要"),
    ("需要", "我不太需要"),
    ("充值", "我还没充值呢"),
    ("充了", "没充"),
    ("充值", "没有冲值"),  # negation also applies to pinyin matches
    ("interested", "I am not interested"),
    ("interested", "not really interested"),
    ("need it", "I don't need it"),
])
def test_negated_phrases_do_not_match(phrase: str, text: str) -> None:
    assert _found([phrase], text) is None


def test_negation_helper() -> None:
    assert is_negated("不")
    assert is_negated("我没有")
    assert is_negated("i am not ")
    assert not is_negated("我")
    assert not is_negated("")


def test_english_word_boundaries() -> None:
    assert _found(["no"], "i know") is None
    assert _found(["ok"], "okay then") is None
    assert _found(["ok"], "ok then") == "keyword"


def test_single_character_phrase_needs_a_short_answer() -> None:
    assert _found(["是"], "是") == "short"
    assert _found(["是"], "是的呀") == "short"
    assert _found(["对"], "对对对，没错") == "short"
    assert _found(["是"], "你是谁") is None
    assert _found(["嗯"], "嗯嗯") == "short"
    assert _found(["嗯"], "嗯，我再考虑一下") is None  # hesitation before the real answer
    assert _found(["对"], "嗯，对的") == "short"


def test_regex_sees_numbers_as_digits() -> None:
    assert _found([], "我充了两百块", (r"\d{3}",)) == "regex"
    assert _found([], "我充了一点", (r"\d",)) is None


@pytest.mark.parametrize(("text", "numbers"), [
    ("两百", [200.0]),
    ("一百五", [150.0]),
    ("200块", [200.0]),
    ("一块五", [1.5]),
    ("九十九块九", [99.9]),
    ("我再考虑一下", []),
    ("千万别再打了", []),
    ("一万二", [12000.0]),
    ("two hundred and fifty dollars", [250.0]),
    ("i paid twenty five", [25.0]),
])
def test_numbers(text: str, numbers: list[float]) -> None:
    assert extract_numbers(text) == numbers


def test_first_number_and_arabic() -> None:
    assert first_number("三万五") == 35000.0
    assert first_number("没有") is None
    assert to_arabic("一起吧") == "一起吧"


def _script(language: str, branches: list[dict], handlers: list[dict] | None = None,
            intents: dict | None = None) -> Script:
    return Script.from_dict({
        "format": "huashu.script/1", "id": "t", "name": "t", "language": language, "start": "a",
        "nodes": [{"id": "a", "type": "say_listen", "prompt": {"text": "?"}, "branches": branches},
                  {"id": "x", "type": "end"}, {"id": "y", "type": "end"}, {"id": "z", "type": "end"}],
        "global_handlers": handlers or [], "intents": intents or {},
    })


def _match(script: Script, text: str, confidence: float = 0.9) -> str | None:
    res = Matcher(script).match(script.node("a"), text, confidence)
    return res.branch.id if res else None


@pytest.mark.parametrize(("text", "intent"), [
    ("好的", "affirm"), ("没问题", "affirm"), ("嗯嗯", "affirm"), ("行", "affirm"),
    ("不用了", "deny"), ("没兴趣", "deny"), ("算了吧", "deny"),
    ("别再打了", "opt_out"), ("以后不要再给我打电话了", "opt_out"), ("把我拉黑", "opt_out"),
    ("我要打12315投诉你们", "complaint"), ("我去工信部告你们", "complaint"),
    ("你是谁", "who_are_you"), ("你们是什么公司", "who_are_you"),
    ("我在开车", "busy_later"), ("晚点再说吧", "busy_later"),
    ("多少钱", "ask_price"), ("资费怎么算", "ask_price"),
    ("没听清", "repeat"), ("你再说一遍", "repeat"),
    ("已经充了", "already_done"), ("我昨天交了", "already_done"), ("早就办过了", "already_done"),
])
def test_builtin_intents_zh(text: str, intent: str) -> None:
    script = _script("zh-CN", [{"id": intent, "when": {"intent": intent}, "goto": "x"}])
    assert _match(script, text) == intent


@pytest.mark.parametrize(("text", "intent"), [
    ("yes", "affirm"), ("sure thing", "affirm"), ("no problem", "affirm"),
    ("no", "deny"), ("not interested", "deny"), ("no thanks", "deny"),
    ("stop calling me", "opt_out"), ("remove me from your list", "opt_out"),
    ("I will file a complaint", "complaint"),
    ("who is this", "who_are_you"), ("what company are you from", "who_are_you"),
    ("I'm driving, call me later", "busy_later"),
    ("how much does it cost", "ask_price"),
    ("sorry", "repeat"), ("could you say that again", "repeat"),
    ("I already paid", "already_done"),
])
def test_builtin_intents_en(text: str, intent: str) -> None:
    script = _script("en-US", [{"id": intent, "when": {"intent": intent}, "goto": "x"}])
    assert _match(script, text) == intent


@pytest.mark.parametrize(("language", "text", "intent"), [
    ("zh-CN", "你是谁", "affirm"), ("zh-CN", "不是", "affirm"), ("zh-CN", "不需要", "affirm"),
    ("zh-CN", "要多少钱", "affirm"), ("zh-CN", "不好意思", "affirm"), ("zh-CN", "不行", "affirm"),
    ("zh-CN", "我还没充", "already_done"), ("zh-CN", "没交", "already_done"),
    ("zh-CN", "那个那个", "who_are_you"), ("zh-CN", "今天天气怎么样", "repeat"),
    ("zh-CN", "好的", "deny"), ("zh-CN", "可以", "deny"), ("zh-CN", "为什么要充值", "repeat"),
    ("zh-CN", "没什么事", "who_are_you"),
    ("en-US", "no problem", "deny"), ("en-US", "i know", "deny"), ("en-US", "not interested", "affirm"),
    ("en-US", "i have not paid", "already_done"), ("en-US", "who knows what happened next", "who_are_you"),
])
def test_builtin_intents_do_not_overreach(language: str, text: str, intent: str) -> None:
    script = _script(language, [{"id": intent, "when": {"intent": intent}, "goto": "x"}])
    assert _match(script, text) is None


def test_script_intent_extends_builtin() -> None:
    script = _script("zh-CN", [{"id": "yes", "when": {"intent": "affirm"}, "goto": "x"}],
                     intents={"affirm": {"keywords": ["妥妥的"]}})
    assert _match(script, "妥妥的") == "yes"
    assert _match(script, "好的") == "yes"


def test_override_handler_wins_over_node_branch_and_others_come_after() -> None:
    script = _script(
        "zh-CN",
        [{"id": "node_any", "when": {"keywords": ["打"]}, "goto": "x"},
         {"id": "node_price", "when": {"keywords": ["价格"]}, "goto": "x"}],
        [{"id": "g_opt", "when": {"intent": "opt_out"}, "goto": "y", "override": True},
         {"id": "g_price", "when": {"intent": "ask_price"}, "goto": "z"}],
    )
    assert _match(script, "别再打了") == "g_opt"
    assert _match(script, "什么价格") == "node_price"
    assert _match(script, "资费多少") == "g_price"


def test_exact_evidence_beats_earlier_pinyin_guess() -> None:
    script = _script("zh-CN", [{"id": "first", "when": {"keywords": ["世界"]}, "goto": "x"},
                               {"id": "second", "when": {"keywords": ["视界"]}, "goto": "y"}])
    assert _match(script, "这个视界") == "second"
    assert _match(script, "这个市界") == "first"  # only a homophone: the earlier branch wins


def test_low_confidence_rejects() -> None:
    script = _script("zh-CN", [{"id": "yes", "when": {"intent": "affirm"}, "goto": "x"}])
    assert _match(script, "好的", 0.9) == "yes"
    assert _match(script, "好的", 0.3) is None
    assert Matcher(script).rejects(0.3) == "confidence 0.30 below 0.50"


def test_expr_branch_on_listening_node_sees_answer_number() -> None:
    script = _script("zh-CN", [{"id": "big", "when": {"expr": "number >= 100"}, "goto": "x"},
                               {"id": "small", "when": {"expr": "number < 100"}, "goto": "y"}])
    assert _match(script, "两百") == "big"
    assert _match(script, "五十块") == "small"
    assert _match(script, "不知道") is None


def test_why_names_the_evidence() -> None:
    script = _script("zh-CN", [{"id": "done", "when": {"intent": "already_done"}, "goto": "x"}])
    res = Matcher(script).match(script.node("a"), "冲值了", 0.9)
    assert res is not None
    assert "pinyin match of '冲值了'" in res.why and "already_done" in res.why


class _FakeSemantic:
    def best_intent(self, text: str, intents: Mapping[str, tuple[str, ...]]) -> tuple[str, float] | None:
        return ("consider", 0.8) if "ponder" in text else None


def test_semantic_matcher_is_last_resort() -> None:
    script = _script("en-US", [{"id": "c", "when": {"intent": "consider"}, "goto": "x"}],
                     intents={"consider": {"keywords": ["think about it"]}})
    m = Matcher(script, semantic=_FakeSemantic())
    res = m.match(script.node("a"), "let me ponder", 0.9)
    assert res is not None and res.branch.id == "c" and "semantic" in res.why
    assert Matcher(script).match(script.node("a"), "let me ponder", 0.9) is None


def test_ngram_similarity_is_polarity_aware() -> None:
    from runtime.nlu.semantic import NgramSimilarity, similarity

    assert similarity("我想考虑考虑再说", "我再考虑考虑吧") > 0.6
    assert similarity("不太想要", "想要") == 0.0
    assert similarity("今天天气怎么样", "我再考虑考虑吧") < 0.2
    script = _script("zh-CN", [{"id": "later", "when": {"intent": "consider"}, "goto": "x"}],
                     intents={"consider": {"examples": ["我再考虑考虑吧"]}})
    m = Matcher(script, semantic=NgramSimilarity())
    res = m.match(script.node("a"), "我想考虑考虑再说", 0.9)
    assert res is not None and res.branch.id == "later" and "semantic similarity" in res.why
    assert m.match(script.node("a"), "今天天气怎么样", 0.9) is None
