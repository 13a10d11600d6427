"""Every validation code, each triggered by a script broken in exactly one place."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from designer.validate import validate

Doc = dict[str, Any]


def node(doc: Doc, node_id: str) -> Doc:
    return next(n for n in doc["nodes"] if n["id"] == node_id)


def branch(doc: Doc, node_id: str, branch_id: str) -> Doc:
    return next(b for b in node(doc, node_id)["branches"] if b["id"] == branch_id)


def test_base_script_is_clean(base: Doc) -> None:
    report = validate(base)
    assert report.valid, report.to_dict()
    assert report.errors == [] and report.warnings == []


def test_schema_errors_carry_the_json_path(base: Doc) -> None:
    branch(base, "offer", "f_no")["goto"] = 5
    del node(base, "open")["branches"][0]["when"]
    report = validate(base)
    assert not report.valid
    assert {f.code for f in report.errors} == {"schema"}
    paths = {f.path for f in report.errors}
    assert "$.nodes[2].branches[3].goto" in paths
    assert "$.nodes[1].branches[0]" in paths
    assert {(f.node, f.branch) for f in report.errors} == {("offer", "f_no"), ("open", "o_yes")}


def _missing_start(d: Doc) -> None:
    d["start"] = "nowhere"


def _dangling(d: Doc) -> None:
    branch(d, "offer", "f_no")["goto"] = "nowhere"


def _duplicate(d: Doc) -> None:
    d["nodes"].append({"id": "done", "type": "end", "prompt": {"text": "再见"}, "outcome": "accepted"})


def _duplicate_branch(d: Doc) -> None:
    branch(d, "offer", "f_kw")["id"] = "f_yes"


def _unreachable(d: Doc) -> None:
    d["nodes"].append({"id": "orphan", "type": "end", "prompt": {"text": "再见"}, "outcome": "accepted"})


def _dead_end(d: Doc) -> None:
    d["nodes"].append({"id": "tail", "type": "say", "prompt": {"text": "好的"}})
    branch(d, "offer", "f_no")["goto"] = "tail"


def _transfer_without_fallback(d: Doc) -> None:
    del node(d, "agent")["next"]


def _no_path_to_end(d: Doc) -> None:
    d["nodes"].append({"id": "a", "type": "say", "prompt": {"text": "甲"}, "next": "b"})
    d["nodes"].append({"id": "b", "type": "say", "prompt": {"text": "乙"}, "next": "a"})
    branch(d, "offer", "f_no")["goto"] = "a"


def _no_silence(d: Doc) -> None:
    node(d, "offer")["branches"] = [b for b in node(d, "offer")["branches"] if b["id"] != "f_sil"]


def _no_match(d: Doc) -> None:
    node(d, "open")["branches"] = [b for b in node(d, "open")["branches"] if b["id"] != "o_nm"]


def _unbounded(d: Doc) -> None:
    del branch(d, "offer", "f_nm")["max_times"]
    del branch(d, "offer", "f_nm")["else_goto"]


def _unbounded_handler(d: Doc) -> None:
    d["global_handlers"].append({"id": "g_repeat", "when": {"intent": "repeat"}, "goto": "@return"})


def _ambiguous_kw(d: Doc) -> None:
    node(d, "offer")["branches"].insert(0, {"id": "f_kw2", "when": {"keywords": ["要 的"]}, "goto": "bye_refused"})


def _ambiguous_dtmf(d: Doc) -> None:
    node(d, "offer")["branches"][:0] = [
        {"id": "k1", "when": {"dtmf": "1"}, "goto": "done"},
        {"id": "k1b", "when": {"dtmf": "1"}, "goto": "bye_refused"},
    ]


def _empty_prompt(d: Doc) -> None:
    node(d, "offer")["prompt"] = {"text": "   "}


def _empty_recording(d: Doc) -> None:
    node(d, "open")["prompt"] = {"mode": "recording", "text": "您好"}


def _undefined_var_prompt(d: Doc) -> None:
    node(d, "offer")["prompt"]["text"] += "${plan_name}"


def _undefined_var_expr(d: Doc) -> None:
    branch(d, "check", "c_neg")["when"]["expr"] = "balance < 0 and months > 3"


def _unknown_intent(d: Doc) -> None:
    branch(d, "offer", "f_yes")["when"]["intent"] = "wants_it"


def _rule_unknown_node(d: Doc) -> None:
    d["intent_rules"][0]["when"]["nodes_any"] = ["offer", "ghost"]


def _rule_unknown_tag(d: Doc) -> None:
    d["intent_rules"][0]["when"]["tags_all"] = ["accepted", "vip_gold"]


def _end_without_outcome(d: Doc) -> None:
    del node(d, "busy")["outcome"]


def _outcome_without_rule(d: Doc) -> None:
    node(d, "busy")["outcome"] = "later"


def _invalid_expr(d: Doc) -> None:
    branch(d, "check", "c_neg")["when"]["expr"] = "balance.real < 0"


def _invalid_regex(d: Doc) -> None:
    branch(d, "offer", "f_kw")["when"] = {"regex": "(办理"}


def _missing_default(d: Doc) -> None:
    del node(d, "check")["default"]


def _invalid_condition(d: Doc) -> None:
    branch(d, "check", "c_neg")["when"] = {"intent": "affirm"}


def _return_outside(d: Doc) -> None:
    d["nodes"].append({"id": "lost", "type": "say", "prompt": {"text": "嗯"}, "next": "@return"})
    branch(d, "offer", "f_no")["goto"] = "lost"


CASES: list[tuple[str, Callable[[Doc], None], str, str | None, str | None, bool]] = [
    # (code, breaker, expected node, expected branch, error?)
    ("missing_start", _missing_start, "", None, None, True),
    ("dangling_target", _dangling, "", "offer", "f_no", True),
    ("duplicate_id", _duplicate, "node", "done", None, True),
    ("duplicate_id", _duplicate_branch, "branch", "offer", "f_yes", True),
    ("unreachable_node", _unreachable, "", "orphan", None, False),
    ("dead_end", _dead_end, "say", "tail", None, True),
    ("dead_end", _transfer_without_fallback, "transfer", "agent", None, True),
    ("no_path_to_end", _no_path_to_end, "", "a", None, True),
    ("missing_silence_branch", _no_silence, "", "offer", None, True),
    ("missing_no_match_branch", _no_match, "", "open", None, True),
    ("unbounded_loop", _unbounded, "node", "offer", "f_nm", True),
    ("unbounded_loop", _unbounded_handler, "handler", None, "g_repeat", True),
    ("ambiguous_branch", _ambiguous_kw, "keyword", "offer", "f_kw", True),
    ("ambiguous_branch", _ambiguous_dtmf, "dtmf", "offer", "k1b", True),
    ("empty_prompt", _empty_prompt, "text", "offer", None, True),
    ("empty_prompt", _empty_recording, "recording", "open", None, True),
    ("undefined_variable", _undefined_var_prompt, "prompt", "offer", None, True),
    ("undefined_variable", _undefined_var_expr, "expr", "check", "c_neg", True),
    ("unknown_intent", _unknown_intent, "", "offer", "f_yes", True),
    ("intent_rule_unknown_node", _rule_unknown_node, "", None, None, True),
    ("intent_rule_unknown_tag", _rule_unknown_tag, "", None, None, True),
    ("end_without_outcome", _end_without_outcome, "", "busy", None, False),
    ("outcome_without_intent_rule", _outcome_without_rule, "", "busy", None, False),
    ("invalid_expr", _invalid_expr, "", "check", "c_neg", True),
    ("invalid_regex", _invalid_regex, "", "offer", "f_kw", True),
    ("missing_default", _missing_default, "", "check", None, True),
    ("invalid_condition", _invalid_condition, "", "check", "c_neg", True),
    ("return_outside_handler", _return_outside, "", "lost", None, False),
]


@pytest.mark.parametrize(
    ("code", "breaker", "variant", "want_node", "want_branch", "is_error"),
    CASES,
    ids=[f"{c[0]}{'-' + c[2] if c[2] else ''}" for c in CASES],
)
def test_each_code_is_reported(
    base: Doc,
    code: str,
    breaker: Callable[[Doc], None],
    variant: str,
    want_node: str | None,
    want_branch: str | None,
    is_error: bool,
) -> None:
    breaker(base)
    report = validate(base)
    found = [f for f in (report.errors if is_error else report.warnings) if f.code == code]
    assert found, report.to_dict()
    assert any(f.node == want_node and f.branch == want_branch for f in found), found
    assert all(f.message and f.path.startswith("$") for f in found)
    if is_error:
        assert not report.valid
    else:
        assert report.valid, report.to_dict()


def test_paths_point_into_the_document(base: Doc) -> None:
    _dangling(base)
    (f,) = [f for f in validate(base).errors if f.code == "dangling_target"]
    assert f.path == "$.nodes[2].branches[3].goto"


def test_global_handlers_count_for_silence_and_no_match(base: Doc) -> None:
    _no_silence(base)
    base["global_handlers"].append(
        {"id": "g_sil", "when": {"event": "silence"}, "goto": "bye_silence"}
    )
    assert "missing_silence_branch" not in validate(base).codes()


def test_silence_retry_without_max_times_is_bounded_by_the_silence_limit(base: Doc) -> None:
    b = branch(base, "offer", "f_sil")
    del b["max_times"], b["else_goto"]
    assert "unbounded_loop" not in validate(base).codes()


def test_dtmf_timeout_retry_needs_max_times(base: Doc) -> None:
    node(base, "offer")["branches"].append({"id": "f_dt", "when": {"event": "dtmf_timeout"}, "goto": "offer"})
    found = [f for f in validate(base).errors if f.code == "unbounded_loop"]
    assert found and (found[0].node, found[0].branch) == ("offer", "f_dt")


def test_loop_through_a_global_handler_is_found(base: Doc) -> None:
    # "who are you" leads back to the opening question without any limit.
    handler = base["global_handlers"][2]
    del handler["max_times"], handler["else_goto"]
    node(base, "who")["next"] = "open"
    codes = [f for f in validate(base).errors if f.code == "unbounded_loop"]
    assert codes and "open" in codes[0].message


def test_return_target_counts_for_reaching_an_end(base: Doc) -> None:
    # 'who' can only leave through @return; it must still count as able to finish.
    assert "no_path_to_end" not in validate(base).codes()


def test_broken_files_are_each_invalid(broken_dir: Path) -> None:
    files = sorted(broken_dir.glob("*.json"))
    assert len(files) >= 3
    for p in files:
        doc = json.loads(p.read_text(encoding="utf-8"))
        expected = doc.get("metadata", {}).get("expect")
        report = validate(doc)
        assert not report.valid, p
        assert expected in {f.code for f in report.errors}, (p, report.to_dict())


def test_library_scripts_are_valid(library_dir: Path) -> None:
    paths = sorted(library_dir.glob("*.json"))
    assert len(paths) >= 6
    for p in paths:
        report = validate(json.loads(p.read_text(encoding="utf-8")))
        assert report.valid, (p.name, report.to_dict())


def test_fast_structural_check_agrees_with_the_detailed_one(base: Doc, broken_dir: Path, library_dir: Path) -> None:
    from designer._schema_fast import structural_errors
    from designer.schema import schema_errors

    docs: list[Any] = [base, [], {"format": "huashu.script/1"}]
    docs += [json.loads(p.read_text(encoding="utf-8")) for p in sorted(broken_dir.glob("*.json"))]
    docs += [json.loads(p.read_text(encoding="utf-8")) for p in sorted(library_dir.glob("*.json"))]
    extra = json.loads(json.dumps(base))
    extra["global_handlers"][0]["bogus"] = 1  # unevaluatedProperties on handlers
    docs.append(extra)
    for d in docs:
        assert (structural_errors(d) == []) == (schema_errors(d) == [])
    assert structural_errors(extra) and structural_errors(extra)[0].path.startswith("$.global_handlers[0]")


def test_return_on_a_listening_nodes_own_branch_repeats_it(base: Doc) -> None:
    node(base, "offer")["branches"].insert(0, {"id": "f_rep", "when": {"intent": "repeat"}, "goto": "@return",
                                               "max_times": 2, "else_goto": "bye_refused"})
    report = validate(base)
    assert report.valid and not report.warnings, report.to_dict()
    del node(base, "offer")["branches"][0]["max_times"]
    found = [f for f in validate(base).errors if f.code == "unbounded_loop"]
    assert found and (found[0].node, found[0].branch) == ("offer", "f_rep")
