"""The matcher's English trace of a turn is said in the page's language on zh pages (call page,
test talk); English pages and unknown shapes show it as it is."""

from __future__ import annotations

import pytest

from web.i18n import Translator

ZH, EN = Translator("zh"), Translator("en")


@pytest.mark.parametrize(("trace", "said"), [
    ("global handler gh_opt_out: intent 'opt_out': keyword '别打了'", "全局处理 gh_opt_out：意图「opt_out」：关键词「别打了」"),
    ("branch b1: intent 'affirm': keyword '好的' (pinyin match of '号的')", "分支 b1：意图「affirm」：关键词「好的」（拼音接近「号的」）"),
    ("branch b2: keywords: keyword '不要' (whole answer)", "分支 b2：关键词：关键词「不要」（整句回答）"),
    ("branch b3: regex: '138' matches /\\d+/", "分支 b3：正则：「138」符合 /\\d+/"),
    ("branch b1: intent 'affirm': keyword '好' (found in '非常好' without degree words); negated", "分支 b1：意图「affirm」：关键词「好」（在「非常好」中，不计程度词）；negated"),
    ("silence 1/2", "静默 1/2"),
    ("no branch matched (asked twice)", "没有匹配的分支（asked twice）"),
    ("closest phrase '不办' (b_deny) sounds 0.41 alike; confidence 0.41 < 0.60", "最接近的说法「不办」（b_deny）相似度 0.41；置信度 0.41 < 0.60"),
])
def test_zh_says_the_trace_in_chinese(trace: str, said: str) -> None:
    assert ZH.why(trace) == said
    assert EN.why(trace) == trace


def test_unknown_shapes_and_empty_are_shown_as_they_are() -> None:
    assert ZH.why("something new from the engine") == "something new from the engine"
    assert ZH.why("") == "" and ZH.why(None) == ""
    assert ZH.why("branch b9: newkind: keyword 'x'") == "分支 b9：newkind：关键词「x」"


def test_test_talk_says_the_match_in_the_page_language() -> None:
    import json

    from scripts_library import library_paths
    from web.talk import replay

    doc = json.loads(library_paths()[0].read_text(encoding="utf-8"))
    values = {k: v.get("example", "x") for k, v in doc["variables"].items()}
    got = replay(doc, values, [{"text": "是的"}], ZH)
    whys = [turn["match"]["why"] for turn in got["turns"] if turn.get("match")]
    assert whys and all("intent '" not in w and "keyword '" not in w for w in whys), whys
