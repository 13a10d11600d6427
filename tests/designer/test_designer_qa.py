"""QA scoring: each finding triggered on purpose, and the score formula's promises."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from designer.qa import qa
from designer.qa_findings import QAFinding, score_findings

Doc = dict[str, Any]


def node(doc: Doc, node_id: str) -> Doc:
    return next(n for n in doc["nodes"] if n["id"] == node_id)


def handler(doc: Doc, handler_id: str) -> Doc:
    return next(h for h in doc["global_handlers"] if h["id"] == handler_id)


def drop_handler(doc: Doc, handler_id: str) -> None:
    doc["global_handlers"] = [h for h in doc["global_handlers"] if h["id"] != handler_id]


def test_base_script_scores_full_marks(base: Doc) -> None:
    report = qa(base)
    assert report.findings == [], [f.to_dict() for f in report.findings]
    assert report.score == 100
    assert report.metrics["turns_to_success"] == 2
    assert report.metrics["success_ends"] == ["done"]


def _long_prompt(d: Doc) -> None:
    node(d, "offer")["prompt"]["text"] = "，".join(["这个流量包非常实惠"] * 9) + "。您需要吗？"


def _long_sentence(d: Doc) -> None:
    node(d, "offer")["prompt"]["text"] = "现在有一个每月只要十元就能享受三个G国内通用流量并且当月有效次月自动续订随时可以取消的流量包您需要吗？"


def _long_number(d: Doc) -> None:
    node(d, "bye_refused")["prompt"]["text"] = "有需要请拨打10010123，再见！"


def _phone_var(d: Doc) -> None:
    d["variables"]["mobile"] = {"type": "string", "example": "13800138000"}
    node(d, "done")["prompt"]["text"] = "已为${mobile}办理，再见！"


def _amount_unit(d: Doc) -> None:
    d["variables"]["fee"] = {"type": "number", "example": 30}
    node(d, "done")["prompt"]["text"] = "月费是${fee}，您的余额是${balance}，再见！"  # balance is an amount: fine


def _date_var(d: Doc) -> None:
    d["variables"]["due_date"] = {"type": "string", "example": "2026-11-15"}
    node(d, "done")["prompt"]["text"] = "请在${due_date}前缴费，再见！"


def _abbrev(d: Doc) -> None:
    node(d, "done")["prompt"]["text"] = "已通过IPTV通知您，再见！"


def _forbidden(d: Doc) -> None:
    node(d, "offer")["prompt"]["text"] = "这是全网最低的流量包，保证划算。您需要办理吗？"


def _no_identification(d: Doc) -> None:
    node(d, "open")["prompt"]["text"] = "您好，请问是${name}吗？"


def _opt_out_not_ending(d: Doc) -> None:
    handler(d, "g_opt")["goto"] = "offer"


def _opt_out_not_marked(d: Doc) -> None:
    handler(d, "g_opt")["tags"] = []
    node(d, "optout")["tags"] = []
    node(d, "optout")["outcome"] = "refused"


def _no_complaint(d: Doc) -> None:
    drop_handler(d, "g_complaint")
    d["nodes"] = [n for n in d["nodes"] if n["id"] not in ("agent", "bye_agent")]
    d["intent_rules"] = [r for r in d["intent_rules"] if r["category"] != "human_follow_up"]


def _no_success(d: Doc) -> None:
    d["intent_rules"][0]["category"] = "failure"


def _yes_only(d: Doc) -> None:
    node(d, "open")["branches"] = [b for b in node(d, "open")["branches"] if b["id"] != "o_no"]
    d["nodes"] = [n for n in d["nodes"] if n["id"] != "wrong"]
    d["intent_rules"][2]["when"]["outcome"] = ["refused", "opt_out"]


def _no_answers(d: Doc) -> None:
    node(d, "open")["branches"] = [b for b in node(d, "open")["branches"] if b["when"].get("event")]
    node(d, "open")["branches"][-1]["goto"] = "offer"
    d["nodes"] = [n for n in d["nodes"] if n["id"] != "wrong"]
    d["intent_rules"][2]["when"]["outcome"] = ["refused", "opt_out"]


def _wide(d: Doc) -> None:
    node(d, "offer")["branches"][:0] = [
        {"id": f"k{i}", "when": {"dtmf": str(i)}, "goto": "done", "tags": [f"choice{i}"]} for i in range(1, 8)
    ]


def _long_path(d: Doc) -> None:
    chain = [f"step{i}" for i in range(9)]
    for i, nid in enumerate(chain):
        nxt = chain[i + 1] if i + 1 < len(chain) else "offer"
        d["nodes"].append({"id": nid, "type": "say_listen", "prompt": {"text": f"第{i}个问题，好吗？"},
                           "branches": [
                               {"id": "y", "when": {"intent": "affirm"}, "goto": nxt},
                               {"id": "n", "when": {"intent": "deny"}, "goto": "bye_refused"},
                               {"id": "s", "when": {"event": "silence"}, "goto": "bye_silence"},
                               {"id": "m", "when": {"event": "no_match"}, "goto": "bye_refused"}]})
    next(b for b in node(d, "open")["branches"] if b["id"] == "o_yes")["goto"] = "step0"
    next(b for b in node(d, "open")["branches"] if b["id"] == "o_nm")["goto"] = "step0"


def _silence_range(d: Doc) -> None:
    d["settings"]["silence_timeout_ms"] = 1000


def _too_many_silences(d: Doc) -> None:
    d["settings"]["max_consecutive_silences"] = 5


def _dtmf_short(d: Doc) -> None:
    node(d, "offer")["dtmf_timeout_ms"] = 800


def _english_mixed(d: Doc) -> None:
    d["language"] = "en-US"
    for n in d["nodes"]:
        if "prompt" in n:
            n["prompt"]["text"] = "Hello, this is Acme calling from the help desk."
    node(d, "done")["prompt"]["text"] = "Done, 谢谢. Goodbye."


QA_CASES: list[tuple[str, Callable[[Doc], None], str | None, str]] = [
    ("prompt_too_long", _long_prompt, "offer", "warning"),
    ("sentence_too_long", _long_sentence, "offer", "warning"),
    ("tts_long_number", _long_number, "bye_refused", "info"),
    ("tts_phone_variable", _phone_var, "done", "warning"),
    ("tts_amount_unit", _amount_unit, "done", "info"),
    ("tts_date_variable", _date_var, "done", "info"),
    ("tts_abbreviation", _abbrev, "done", "info"),
    ("mixed_language", _english_mixed, "done", "warning"),
    ("forbidden_word", _forbidden, "offer", "error"),
    ("no_caller_identification", _no_identification, "open", "error"),
    ("opt_out_not_ending", _opt_out_not_ending, None, "error"),
    ("opt_out_not_marked", _opt_out_not_marked, None, "error"),
    ("no_opt_out_handler", lambda d: drop_handler(d, "g_opt"), None, "error"),
    ("no_complaint_handler", _no_complaint, None, "warning"),
    ("no_who_are_you_handler", lambda d: drop_handler(d, "g_who"), None, "warning"),
    ("no_busy_later_handler", lambda d: drop_handler(d, "g_busy"), None, "warning"),
    ("no_success_outcome", _no_success, None, "error"),
    ("missing_yes_no", _yes_only, "open", "warning"),
    ("no_answer_branches", _no_answers, "open", "warning"),
    ("too_many_branches", _wide, "offer", "warning"),
    ("long_path_to_success", _long_path, "check", "warning"),
    ("silence_timeout_out_of_range", _silence_range, None, "warning"),
    ("too_many_silences", _too_many_silences, None, "warning"),
    ("dtmf_timeout_too_short", _dtmf_short, "offer", "warning"),
]


@pytest.mark.parametrize(("code", "breaker", "want_node", "severity"), QA_CASES, ids=[c[0] for c in QA_CASES])
def test_each_qa_code(base: Doc, code: str, breaker: Callable[[Doc], None], want_node: str | None,
                      severity: str) -> None:
    breaker(base)
    report = qa(base)
    hits = [f for f in report.findings if f.code == code]
    assert hits, [f.to_dict() for f in report.findings]
    assert any(f.node == want_node and f.severity == severity for f in hits), hits
    assert all(f.message and f.suggestion for f in hits)
    assert report.score < 100


def test_typed_amounts_need_no_unit_in_the_text(base: Doc) -> None:
    _amount_unit(base)
    hits = [f for f in qa(base).findings if f.code == "tts_amount_unit"]
    assert len(hits) == 1 and "fee" in hits[0].message
    node(base, "done")["prompt"]["text"] = "月费是${fee}元，再见！"
    assert not [f for f in qa(base).findings if f.code == "tts_amount_unit"]


def test_forbidden_words_are_configurable_and_ordinals_pass(base: Doc) -> None:
    node(base, "offer")["prompt"]["text"] = "第一个月免费，无需保证金，您需要办理吗？"
    assert not [f for f in qa(base).findings if f.code == "forbidden_word"]
    found = [f for f in qa(base, forbidden_words=["免费"]).findings if f.code == "forbidden_word"]
    assert found and "免费" in found[0].message
    base["settings"]["forbidden_words"] = ["办理"]
    assert [f for f in qa(base).findings if f.code == "forbidden_word"]
    base["settings"]["forbidden_words"] = []
    node(base, "offer")["prompt"]["text"] = "我们是业内第一，保证您满意，您需要办理吗？"
    (hit,) = [f for f in qa(base).findings if f.code == "forbidden_word"]
    assert "'保证'" in hit.message and "'第一'" in hit.message


def test_validation_findings_are_included_and_cap_the_score(base: Doc) -> None:
    node(base, "offer")["branches"][3]["goto"] = "nowhere"
    report = qa(base)
    assert any(f.code == "dangling_target" and f.category == "validation" for f in report.findings)
    assert report.score <= 49


def test_schema_broken_script_still_gets_a_report() -> None:
    report = qa({"format": "huashu.script/1"})
    assert report.score <= 49
    assert {f.code for f in report.findings} == {"schema"}


def test_score_formula_caps_per_code_and_category() -> None:
    many = [QAFinding("forbidden_word", "error", f"n{i}", "m", "s", "compliance") for i in range(50)]
    assert score_findings(many, valid=True) == (80, {"validation": 0, "coverage": 0, "prompts": 0,
                                                     "compliance": 20, "flow": 0, "settings": 0,
                                                     "robustness": 0})
    mixed = many + [QAFinding(c, "error", None, "m", "s", "compliance") for c in ("a", "b", "c")]
    assert score_findings(mixed, valid=True)[0] == 70  # category cap 30
    info = [QAFinding("tts_long_number", "info", None, "m", "s", "prompts")] * 2
    assert score_findings(info, valid=True)[0] == 98
    assert score_findings([], valid=False)[0] == 49


def test_same_script_same_score(base: Doc) -> None:
    _forbidden(base)
    _long_number(base)
    first = qa(base).to_dict()
    for _ in range(3):
        assert qa(json.loads(json.dumps(base))).to_dict() == first


def test_library_scripts_score_at_least_80(library_dir: Path) -> None:
    for p in sorted(library_dir.glob("*.json")):
        report = qa(json.loads(p.read_text(encoding="utf-8")))
        assert report.score >= 80, (p.name, [f.to_dict() for f in report.findings])


def test_opt_out_by_keywords_counts_but_a_bare_no_does_not(base: Doc) -> None:
    handler(base, "g_opt")["when"] = {"keywords": ["不要再打电话了", "别打了"]}
    assert "no_opt_out_handler" not in {f.code for f in qa(base).findings}
    handler(base, "g_opt")["when"] = {"keywords": ["不"]}
    assert "no_opt_out_handler" in {f.code for f in qa(base).findings}
