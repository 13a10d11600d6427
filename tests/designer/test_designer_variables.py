"""Optional variables in prompts: QA warns when a missing value would leave a gap; ``default`` fills it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from designer.qa import qa
from designer.validate import validate
from runtime.dialog.harness import ChatSession
from runtime.dialog.render import MissingVariableError

Doc = dict[str, Any]

# /tmp/audit23/b/x_var_required_false_used.json, reduced
DOC: Doc = {
    "format": "huashu.script/1", "id": "t", "name": "T", "language": "zh-CN", "start": "open",
    "variables": {"name": {"type": "string", "example": "张三", "required": False}},
    "nodes": [
        {"id": "open", "type": "say_listen", "prompt": {"text": "您好，我是联通客服，请问是${name}吗？"},
         "branches": [{"id": "b_yes", "when": {"intent": "affirm"}, "goto": "ok"},
                      {"id": "b_sil", "when": {"event": "silence"}, "goto": "ok"},
                      {"id": "b_nm", "when": {"event": "no_match"}, "goto": "ok"}]},
        {"id": "ok", "type": "end", "prompt": {"text": "再见，${name}。"}, "outcome": "done"},
    ],
    "intent_rules": [{"label": "成功", "category": "success", "when": {"outcome": "done"}}],
}


def _doc() -> Doc:
    return copy.deepcopy(DOC)


def _optional(doc: Doc, lang: str = "en") -> list[Any]:
    return [f for f in qa(doc, lang=lang).findings if f.code == "optional_variable_in_prompt"]


def test_optional_variable_in_a_prompt_is_a_qa_warning() -> None:
    (f,) = _optional(_doc())  # once per variable, at its first prompt
    assert (f.severity, f.category, f.node) == ("warning", "prompts", "open")
    assert "'name' is optional" in f.message and "请问是吗" in f.message
    assert "required: true" in f.suggestion and "default" in f.suggestion
    (zh,) = _optional(_doc(), "zh")
    assert "不是必填" in zh.message and "默认值" in zh.suggestion
    assert validate(_doc()).valid  # QA advice, not a validation error


def test_required_or_defaulted_variables_are_fine() -> None:
    required = _doc()
    required["variables"]["name"]["required"] = True
    assert _optional(required) == []
    defaulted = _doc()
    defaulted["variables"]["name"]["default"] = "机主"
    assert validate(defaulted).valid and _optional(defaulted) == []


def test_default_is_part_of_the_format() -> None:
    bad = _doc()
    bad["variables"]["name"]["default"] = ["not", "a", "value"]
    assert [e.code for e in validate(bad).errors] == ["schema"]


def test_default_is_said_when_the_call_has_no_value() -> None:
    doc = _doc()
    assert ChatSession(doc, {}).start()[0].text == "您好，我是联通客服，请问是吗？"  # the gap QA warns about
    doc["variables"]["name"]["default"] = "机主"
    assert ChatSession(doc, {}).start()[0].text == "您好，我是联通客服，请问是机主吗？"
    assert ChatSession(doc, {"name": " "}).start()[0].text == "您好，我是联通客服，请问是机主吗？"
    assert ChatSession(doc, {"name": "李四"}).start()[0].text == "您好，我是联通客服，请问是李四吗？"


def test_default_of_a_required_variable_does_not_excuse_a_missing_value() -> None:
    doc = _doc()
    doc["variables"]["name"].update(required=True, default="机主")
    with pytest.raises(MissingVariableError):
        ChatSession(doc, {})
