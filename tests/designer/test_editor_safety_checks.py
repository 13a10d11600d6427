"""What the editor's safe defaults rely on in the designer: a draft may hold a branch with no target
yet ("" in the schema), validation names it in zh/en at the branch's goto, and the diff table shows
Chinese as characters."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from designer.diff import diff_scripts, readable
from designer.schema import schema_errors
from designer.validate import validate

BASE = Path(__file__).parent / "data" / "designer_base.json"


def _doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(BASE.read_text("utf-8"))
    return doc


def test_a_branch_without_a_target_is_a_storable_draft_but_not_a_valid_script() -> None:
    doc = _doc()
    doc["nodes"][0]["branches"][0]["goto"] = ""
    assert schema_errors(doc) == []  # the editor can autosave it
    zh = validate(doc, lang="zh")
    en = validate(doc, lang="en")
    assert not zh.valid and not en.valid
    (f,) = [f for f in zh.errors if f.code == "dangling_target"]
    node, branch = doc["nodes"][0]["id"], doc["nodes"][0]["branches"][0]["id"]
    assert (f.node, f.branch, f.path) == (node, branch, "$.nodes[0].branches[0].goto")
    assert "还没有选择跳转目标" in f.message and "''" not in f.message
    (g,) = [g for g in en.errors if g.code == "dangling_target"]
    assert "no target chosen yet" in g.message and "which does not exist" not in g.message


def test_an_unset_global_handler_is_named_as_a_handler() -> None:
    doc = _doc()
    doc["global_handlers"][0]["goto"] = ""
    (f,) = [f for f in validate(doc, lang="en").errors if f.code == "dangling_target"]
    assert f.node is None and f.branch == doc["global_handlers"][0]["id"]
    assert f.message.startswith("A global handler") and "no target chosen yet" in f.message


def test_diff_values_read_as_characters() -> None:
    a = _doc()
    b = copy.deepcopy(a)
    b["nodes"][1]["prompt"]["text"] = "您好张先生"
    b["nodes"][1]["branches"][0]["when"] = {"keywords": ["好的", "可以"]}
    changes = diff_scripts(a, b).changes
    shown = [x for c in changes for f in c.readable_fields for x in f]
    assert any("您好张先生" in x for x in shown)
    assert any("好的" in x for x in shown)
    assert not any("\\u" in x for x in shown)
    assert readable(None) == "\u2014" and readable(3) == "3"
