"""Loops whose only limit is a max_times with no way out, and keyword overlaps the matcher sees
(traditional/simplified, a keyword inside an intent's phrases, a node keyword vs a global handler)."""

from __future__ import annotations

from typing import Any

from designer.messages import render
from designer.qa import qa
from designer.validate import validate

Doc = dict[str, Any]


def node(doc: Doc, node_id: str) -> Doc:
    return next(n for n in doc["nodes"] if n["id"] == node_id)


def branch(doc: Doc, node_id: str, branch_id: str) -> Doc:
    return next(b for b in node(doc, node_id)["branches"] if b["id"] == branch_id)


def _loops(doc: Doc) -> list[Any]:
    return [f for f in validate(doc).errors if f.code == "unbounded_loop"]


# --- max_times without else_goto -------------------------------------------------------------


def test_retry_with_max_times_but_no_else_goto_is_an_unbounded_loop(base: Doc) -> None:
    # /tmp/audit23/mt2.json: {no_match -> same node, max_times: 1}, no else_goto; it validated
    # clean and scored 88, then looped on the phone until max_turns
    del branch(base, "offer", "f_nm")["else_goto"]
    (f,) = _loops(base)
    assert (f.node, f.branch, f.key) == ("offer", "f_nm", "unbounded_loop.no_else")
    assert "else_goto" in f.message and "at most 1 time" in f.message
    assert f.path == "$.nodes[2].branches[5]"
    zh = validate(base, lang="zh").errors[0].message
    assert "超过后转到" in zh and "最多次数" in zh
    assert qa(base).score <= 49


def test_else_goto_back_into_the_loop_is_still_unbounded(base: Doc) -> None:
    branch(base, "offer", "f_nm")["else_goto"] = "offer"
    (f,) = _loops(base)
    assert (f.node, f.branch, f.key) == ("offer", "f_nm", "unbounded_loop.else_back")
    assert "else_goto leads back" in f.message and f.path.endswith(".else_goto")


def test_loop_with_a_branch_without_any_limit_keeps_the_ordinary_message(base: Doc) -> None:
    del branch(base, "offer", "f_nm")["else_goto"]
    node(base, "offer")["branches"].append({"id": "f_dt", "when": {"event": "dtmf_timeout"}, "goto": "offer"})
    (f,) = _loops(base)
    assert f.key.startswith("unbounded_loop.branch") and f.branch in ("f_nm", "f_dt")


def test_global_handler_with_max_times_but_no_else_goto(base: Doc) -> None:
    base["global_handlers"].append({"id": "g_repeat", "when": {"intent": "repeat"}, "goto": "@return",
                                    "max_times": 2})
    found = [f for f in _loops(base) if f.branch == "g_repeat"]
    assert found and found[0].key == "unbounded_loop.handler_no_else" and found[0].node is None
    assert found[0].path == "$.global_handlers[4]"


def test_silence_retry_with_max_times_and_no_else_goto_stays_valid(base: Doc) -> None:
    # /tmp/audit23/b/x_max_times_no_else.json: the silence limit bounds it; the engine ends it
    # politely (tests/dialog/test_dialog_retries.py)
    del branch(base, "offer", "f_sil")["else_goto"]
    assert validate(base).valid


def test_new_messages_read_naturally() -> None:
    params = {"node": "offer", "branch": "f_nm", "nodes": ("offer",), "times": 1}
    assert "else_goto" in render("unbounded_loop.no_else", params, "en")
    assert "「f_nm」" in render("unbounded_loop.no_else", params, "zh")


# --- overlaps the matcher treats as equal ----------------------------------------------------


def test_traditional_and_simplified_keywords_are_the_same_keyword(base: Doc) -> None:
    # /tmp/audit23/b/x_ambig_trad.json: 话费 in one branch, 話費 in another
    node(base, "offer")["branches"][:0] = [
        {"id": "k_a", "when": {"keywords": ["话费"]}, "goto": "done"},
        {"id": "k_b", "when": {"keywords": ["話費"]}, "goto": "bye_refused"},
    ]
    found = [f for f in validate(base).errors if f.code == "ambiguous_branch"]
    assert [(f.node, f.branch) for f in found] == [("offer", "k_b")]
    assert "'k_a'" in found[0].message and "話費" in found[0].message


def test_full_width_and_case_fold_like_the_matcher(base: Doc) -> None:
    node(base, "offer")["branches"][:0] = [
        {"id": "k_a", "when": {"keywords": ["ＶＩＰ套餐"]}, "goto": "done"},
        {"id": "k_b", "when": {"keywords": ["vip套餐"]}, "goto": "bye_refused"},
    ]
    assert any(f.code == "ambiguous_branch" and f.branch == "k_b" for f in validate(base).errors)


def test_keyword_inside_an_intent_of_another_branch_is_a_warning(base: Doc) -> None:
    # /tmp/audit23/b/x_ambig_intent_vs_kw.json: keyword 好的 vs intent affirm (which lists 好的)
    node(base, "offer")["branches"].insert(1, {"id": "k_ok", "when": {"keywords": ["好的"]}, "goto": "bye_refused"})
    report = validate(base)
    assert report.valid
    (f,) = [w for w in report.warnings if w.code == "ambiguous_branch"]
    assert (f.node, f.branch, f.key) == ("offer", "k_ok", "ambiguous_branch.intent")
    assert "'f_yes'" in f.message and "'affirm'" in f.message and "takes 'f_yes'" in f.message


def test_same_words_to_the_same_place_are_not_reported(base: Doc) -> None:
    # the base script's f_kw lists 要的 (an affirm phrase) and goes where f_yes goes: no ambiguity
    assert validate(base).warnings == []


def test_keyword_also_in_a_global_handler(base: Doc) -> None:
    # /tmp/audit23/b/x_ambig_global_vs_node_kw.json: node keyword 退订 vs global keyword 退订
    # (and the override opt-out intent, whose phrases include 退订)
    node(base, "offer")["branches"].insert(1, {"id": "k_td", "when": {"keywords": ["退订"]}, "goto": "bye_refused"})
    base["global_handlers"].append({"id": "g_td", "when": {"keywords": ["退訂"]}, "goto": "optout"})
    warns = {w.key: w for w in validate(base).warnings if w.code == "ambiguous_branch"}
    assert set(warns) == {"ambiguous_branch.handler", "ambiguous_branch.handler_intent"}
    assert "takes 'k_td'" in warns["ambiguous_branch.handler"].message  # the node's own words first
    assert "takes 'g_opt'" in warns["ambiguous_branch.handler_intent"].message  # override first
    assert all(w.node == "offer" and w.branch == "k_td" for w in warns.values())
