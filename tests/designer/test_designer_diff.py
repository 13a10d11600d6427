"""Node-by-node diff for reviewers."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from designer.diff import diff_scripts

Doc = dict[str, Any]


def test_identical_and_layout_only_changes_are_empty(base: Doc) -> None:
    other = copy.deepcopy(base)
    other["layout"] = {"positions": {"open": [10, 20]}, "collapsed": ["offer"]}
    d = diff_scripts(base, other)
    assert d.empty and d.to_dict() == {"identical": True, "changes": []}
    assert "No differences" in d.to_text()


def test_reordering_nodes_is_not_a_change(base: Doc) -> None:
    other = copy.deepcopy(base)
    other["nodes"].reverse()
    assert diff_scripts(base, other).empty


def test_node_changes_are_reported_by_field_and_branch(base: Doc) -> None:
    new = copy.deepcopy(base)
    new["nodes"][2]["prompt"]["text"] = "新的推荐词。您需要吗？"
    new["nodes"][2]["branches"][3]["goto"] = "busy"
    new["nodes"][2]["branches"].append({"id": "f_more", "when": {"keywords": ["详细"]}, "goto": "offer",
                                        "max_times": 1})
    new["nodes"] = [n for n in new["nodes"] if n["id"] != "wrong"]
    new["nodes"].append({"id": "extra", "type": "end", "outcome": "x"})
    new["settings"]["silence_timeout_ms"] = 6000
    new["global_handlers"][3]["goto"] = "bye_refused"
    new["intent_rules"][0]["priority"] = 9
    new["name"] = "新名字"
    d = diff_scripts(base, new)
    by = {(c.section, c.key): c for c in d.changes}
    offer = by[("nodes", "offer")]
    assert offer.kind == "changed"
    assert offer.fields["prompt"][1]["text"].startswith("新的")
    assert offer.fields["branches.f_no.goto"] == ("bye_refused", "busy")
    assert offer.fields["branches.f_more"][0] is None
    assert by[("nodes", "wrong")].kind == "removed"
    assert by[("nodes", "extra")].kind == "added"
    assert by[("settings", "silence_timeout_ms")].fields == {"value": (5000, 6000)}
    assert by[("global_handlers", "g_busy")].fields == {"goto": ("busy", "bye_refused")}
    assert by[("intent_rules", "成功1")].fields == {"priority": (1, 9)}
    assert by[("top", "name")].kind == "changed"
    text = d.to_text()
    assert "~ nodes offer: changed" in text and "branches.f_no.goto" in text and "- nodes wrong" in text
    js = d.to_dict()
    assert js["identical"] is False
    assert {"section": "nodes", "key": "extra", "kind": "added", "fields": {}} in js["changes"]


def test_diff_is_antisymmetric_in_kind(base: Doc) -> None:
    new = copy.deepcopy(base)
    new["nodes"].append({"id": "extra", "type": "end"})
    forward = {(c.key, c.kind) for c in diff_scripts(base, new).changes}
    backward = {(c.key, c.kind) for c in diff_scripts(new, base).changes}
    assert forward == {("extra", "added")} and backward == {("extra", "removed")}


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_diff_is_empty_exactly_when_the_scripts_are_equal(data: st.DataObject) -> None:
    import json
    from pathlib import Path

    base = json.loads((Path(__file__).parent / "data" / "designer_base.json").read_text(encoding="utf-8"))
    new = copy.deepcopy(base)
    i = data.draw(st.integers(0, len(new["nodes"]) - 1))
    field = data.draw(st.sampled_from(["title", "score", "tags", "barge_in"]))
    value = data.draw(st.one_of(st.none(), st.text(max_size=3), st.integers(0, 3), st.booleans()))
    if value is not None:
        new["nodes"][i][field] = value
    d = diff_scripts(base, new)
    assert d.empty == (base == new)
    if not d.empty:
        assert [(c.section, c.key) for c in d.changes] == [("nodes", new["nodes"][i]["id"])]
        assert d.changes[0].fields == {field: (base["nodes"][i].get(field), value)}
