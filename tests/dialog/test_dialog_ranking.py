"""How the matcher chooses between branches that all match: a table of real customer answers.

Every node here lists affirm FIRST, so an answer that only passes because of branch order
would fail: "方便的时候再说" holds affirm's "方便", "需要多少钱" holds affirm's "需要".
"""

from __future__ import annotations

import pytest

from designer.model import Script
from runtime.nlu.matcher import Matcher
from runtime.nlu.phrases import PhraseSet
from runtime.nlu.ranking import Cues, Entry, answer_cues, rank
from runtime.nlu.utterance import Utterance

_NODE_INTENTS = ("affirm", "deny", "consider_later", "ask_price", "busy_later", "already_done", "who_are_you",
                 "repeat")


def _script(language: str, consider: list[str], intents: tuple[str, ...] = _NODE_INTENTS) -> Script:
    return Script.from_dict({
        "format": "huashu.script/1", "id": "rank", "name": "rank", "language": language, "start": "q",
        "intents": {"consider_later": {"keywords": consider}},
        "nodes": [
            {"id": "q", "type": "say_listen", "prompt": {"text": "q"},
             "branches": [{"id": i, "when": {"intent": i}, "goto": "e"} for i in intents]},
            {"id": "e", "type": "end", "prompt": {"text": "bye"}},
        ],
        "global_handlers": [
            {"id": "opt_out", "when": {"intent": "opt_out"}, "goto": "e", "override": True},
            {"id": "complaint", "when": {"intent": "complaint"}, "goto": "e", "override": True},
        ],
    })


_ZH = Matcher(_script("zh-CN", ["考虑一下", "再考虑", "考虑考虑", "想想", "想一想", "过两天"]))
_EN = Matcher(_script("en-US", ["think about it", "let me think", "think it over"]))

ZH_ANSWERS: list[tuple[str, str | None]] = [
    ('方便的时候再说', 'busy_later'),
    ('需要多少钱', 'ask_price'),
    ('好的，我再考虑一下', 'consider_later'),
    ('不用了谢谢', 'deny'),
    ('好的不需要', 'deny'),
    ('行吧你说', 'affirm'),
    ('好的', 'affirm'),
    ('嗯嗯', 'affirm'),
    ('可以可以', 'affirm'),
    ('对对对，是我', 'affirm'),
    ('没问题', 'affirm'),
    ('好滴', 'affirm'),
    ('需要的', 'affirm'),
    ('行，你给我办了吧', 'affirm'),
    ('不需要', 'deny'),
    ('不感兴趣', 'deny'),
    ('算了吧', 'deny'),
    ('我不太需要', 'deny'),
    ('没兴趣，谢谢', 'deny'),
    ('好的好的，不过我不需要', 'deny'),
    ('可以吗？', 'affirm'),
    ('这个多少钱啊', 'ask_price'),
    ('要钱吗', 'ask_price'),
    ('月租多少', 'ask_price'),
    ('资费怎么算', 'ask_price'),
    ('收费吗？好的', 'ask_price'),
    ('我在开会', 'busy_later'),
    ('在开车呢，晚点再说', 'busy_later'),
    ('现在不方便', 'busy_later'),
    ('等会再打吧', 'busy_later'),
    ('以后再说吧', 'busy_later'),
    ('我再想想', 'consider_later'),
    ('过两天再说吧', 'consider_later'),
    ('好吧我考虑考虑', 'consider_later'),
    ('我已经充值了', 'already_done'),
    ('昨天冲值了', 'already_done'),
    ('早就交过了', 'already_done'),
    ('你是谁', 'who_are_you'),
    ('你们是哪个公司的', 'who_are_you'),
    ('你是机器人吗', 'who_are_you'),
    ('什么？', 'repeat'),
    ('没听清，再说一遍', 'repeat'),
    ('你说什么', 'repeat'),
    ('别再给我打电话了', 'opt_out'),
    ('好的，以后别打了', 'opt_out'),
    ('再打我就投诉你们', 'opt_out'),
    ('我要投诉', 'complaint'),
    ('你们乱扣费，我要打12315', 'complaint'),
    ('嗯……', 'affirm'),
    ('我还没充值呢', None),
    ('今天天气不错', None),
    ('已经缴废了', 'already_done'),
    ('不需耀', 'deny'),
    ('不需耀，好的', 'deny'),
    ('我不介意，你说吧', 'affirm'),
    ('你们是不是骗子', 'complaint'),
    ('要不要钱啊', 'ask_price'),
    ('不用了，我已经充了', 'already_done'),
    ('谁给你的号码', 'who_are_you'),
    ('不好意思我在忙', 'busy_later'),
    ('暂时不需要', 'deny'),
    ('好德', 'affirm'),
    ('我要头诉', 'complaint'),
    ('是的是的', 'affirm'),
    ('不是我', 'deny'),
    ('你们怎么收费的', 'ask_price'),
    ('有空的时候再说吧', 'busy_later'),
]

EN_ANSWERS: list[tuple[str, str | None]] = [
    ('yes', 'affirm'),
    ('yeah sure', 'affirm'),
    ('ok go ahead', 'affirm'),
    ('yeah no', 'deny'),
    ('no thanks', 'deny'),
    ("I'm not interested", 'deny'),
    ('nah', 'deny'),
    ('not now, maybe later', 'busy_later'),
    ("I'm driving", 'busy_later'),
    ('call me back later', 'busy_later'),
    ("what's this about", 'who_are_you'),
    ('who is this?', 'who_are_you'),
    ('how much does it cost', 'ask_price'),
    ('ok but how much is it', 'ask_price'),
    ('I already paid', 'already_done'),
    ('sorry?', 'repeat'),
    ('say that again', 'repeat'),
    ('stop calling me', 'opt_out'),
    ('ok, take me off your list', 'opt_out'),
    ("this is a scam, I'll report you", 'complaint'),
    ('let me think about it', 'consider_later'),
    ("ok I'll think about it", 'consider_later'),
    ('emm', None),
    ('no problem', 'affirm'),
    ('sure, no problem', 'affirm'),
    ("I don't want it", 'deny'),
    ("yeah I don't mind", 'affirm'),
    ('why not', 'affirm'),
    ('absolutely not', 'deny'),
    ('I guess so', 'affirm'),
    ('who gave you my number', 'who_are_you'),
    ("I'm busy right now", 'busy_later'),
    ('some other time', 'busy_later'),
    ("perhaps later, I'm at work", 'busy_later'),
    ('yep', 'affirm'),
    ('nope, not interested', 'deny'),
    ('is it free?', 'ask_price'),
]


def _intent(m: Matcher, text: str) -> str | None:
    res = m.match(m.script.by_id["q"], text)
    return res.branch.id if res is not None else None


def test_the_table_is_large_enough() -> None:
    assert len(ZH_ANSWERS) + len(EN_ANSWERS) >= 60
    assert len({t for t, _ in ZH_ANSWERS + EN_ANSWERS}) == len(ZH_ANSWERS) + len(EN_ANSWERS)


@pytest.mark.parametrize(("text", "intent"), ZH_ANSWERS)
def test_zh_answers(text: str, intent: str | None) -> None:
    assert _intent(_ZH, text) == intent


@pytest.mark.parametrize(("text", "intent"), EN_ANSWERS)
def test_en_answers(text: str, intent: str | None) -> None:
    assert _intent(_EN, text) == intent


def test_why_explains_the_choice() -> None:
    node = _ZH.script.by_id["q"]
    res = _ZH.match(node, "方便的时候再说")
    assert res is not None and "keyword '方便的时候'" in res.why
    assert "preferred to branch affirm ('方便'): affirm demoted by hedge '再说'" in res.why
    res = _ZH.match(node, "现在不方便")
    assert res is not None and res.branch.id == "busy_later"
    assert "longer phrase (5 vs 3 characters) than branch deny ('不方便')" in res.why
    res = _ZH.match(node, "需要多少钱")
    assert res is not None and "affirm demoted by question '多少'" in res.why
    res = _EN.match(_EN.script.by_id["q"], "yeah no")
    assert res is not None and "branch affirm dropped: affirm contradicted by 'no'" in res.why


def test_a_question_only_demotes_affirm_it_does_not_remove_it() -> None:
    m = Matcher(_script("zh-CN", [], ("affirm",)))
    assert _intent(m, "可以吗") == "affirm"
    assert _intent(m, "需要多少钱") == "affirm"  # no price branch here: the yes is all there is


def test_a_contradicted_affirm_is_never_taken() -> None:
    m = Matcher(_script("zh-CN", [], ("affirm", "ask_price")))
    assert _intent(m, "好的不需要") is None  # no deny branch: no match (ask again), never the yes path
    en = Matcher(_script("en-US", [], ("affirm",)))
    assert _intent(en, "yeah no") is None
    assert _intent(en, "ok, not interested") is None
    assert _intent(en, "yeah, no problem") == "affirm"


def test_true_ties_keep_branch_order() -> None:
    entries = [Entry(0, False, False, False, "deny", "不行", 2, "branch a"),
               Entry(1, False, False, False, "busy_later", "改天", 2, "branch b")]
    ranked = rank(entries, Cues())
    assert [r.entry.index for r in ranked] == [0, 1]
    assert "branch order decides" in ranked[0].note and ranked[1].note == ""
    swapped = [Entry(1, False, False, False, "deny", "不行", 2, "branch a"),
               Entry(0, False, False, False, "busy_later", "改天", 2, "branch b")]
    assert [r.entry.intent for r in rank(swapped, Cues())] == ["busy_later", "deny"]


def test_overrides_are_never_outranked() -> None:
    entries = [Entry(0, False, False, False, "busy_later", "晚点再说吧我在忙", 8, "branch busy"),
               Entry(1, True, True, False, "opt_out", "拉黑", 2, "global handler opt")]
    ranked = rank(entries, Cues())
    assert ranked[0].entry.index == 1 and "override handler before" in ranked[0].note


def test_node_keywords_come_before_global_handlers() -> None:
    entries = [Entry(0, False, False, True, None, "价格", 2, "branch price"),
               Entry(1, False, True, False, "ask_price", "什么价格", 4, "global handler g")]
    assert rank(entries, Cues())[0].entry.index == 0
    entries[0] = Entry(0, False, False, False, "affirm", "方便", 2, "branch affirm")
    assert rank(entries, Cues())[0].entry.index == 1  # a built-in list on the node has no such priority


@pytest.mark.parametrize(("norm", "raw", "question", "hedge"), [
    ("需要多少钱", "需要多少钱", "多少", ""),
    ("可以", "可以？", "?", ""),
    ("好的我再考虑一下", "好的，我再考虑一下", "", "考虑"),
    ("how much is it", "how much is it", "how", ""),
    ("ok maybe later", "ok maybe later", "", "maybe"),
    ("好的", "好的", "", ""),
])
def test_answer_cues(norm: str, raw: str, question: str, hedge: str) -> None:
    cues = answer_cues(norm, raw)
    assert (cues.question, cues.hedge) == (question, hedge)


@pytest.mark.parametrize(("phrase", "text", "found"), [
    ("骗子", "你们是不是骗子", True),   # "是不是" asks, it does not negate
    ("不是", "你们是不是骗子", False),  # ...and holds no denial
    ("要钱", "要不要钱", True),
    ("优惠", "有没有优惠", True),
    ("骗子", "你们不是骗子", False),    # a real negation still counts
    ("需要", "不需要", False),
])
def test_a_not_a_questions_are_not_negations(phrase: str, text: str, found: bool) -> None:
    assert (PhraseSet([phrase]).find(Utterance(text), "exact") is not None) is found


@pytest.mark.parametrize(("regexes", "text", "found"), [
    ((r"(.)\1", r"\bhow much\b"), "好好", True),          # a back reference: tried one by one
    ((r"(.)\1", r"\bhow much\b"), "ok how much", True),
    ((r"\bhow much\b", r"[0-9]{3}"), "两百五十块", True),   # digits regex sees the Arabic form
    ((r"\bhow much\b", r"[0-9]{3}"), "好的", False),
])
def test_regexes_are_prefiltered_without_losing_matches(regexes: tuple[str, ...], text: str, found: bool) -> None:
    assert (PhraseSet([], regexes).find(Utterance(text), "exact") is not None) is found
