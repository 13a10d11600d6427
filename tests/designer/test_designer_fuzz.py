"""Random script graphs: validation and QA never crash, stay deterministic, and agree on validity."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.qa import qa
from designer.validate import validate

_TYPES = ["say_listen", "say", "condition", "transfer", "end"]
_WHENS = [
    {"intent": "affirm"}, {"intent": "deny"}, {"intent": "nonexistent"}, {"keywords": ["好", "好"]},
    {"dtmf": "1"}, {"event": "silence"}, {"event": "no_match"}, {"regex": "(bad"},
    {"expr": "x > 1"}, {"expr": "a.b"}, {"expr": "balance < 0"},
]


@st.composite
def scripts(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(1, 12))
    ids = [f"n{i}" for i in range(n)]
    targets = st.sampled_from([*ids, "@return", "ghost"])
    nodes = []
    for nid in ids:
        t = draw(st.sampled_from(_TYPES))
        node: dict[str, Any] = {"id": nid, "type": t}
        if t != "condition" and draw(st.booleans()):
            node["prompt"] = {"text": draw(st.sampled_from(["您好，我是客服", "", "${x}保证", "Hi 12345678"]))}
        if t in ("say_listen", "condition"):
            node["branches"] = [
                {"id": f"b{k}", "when": draw(st.sampled_from(_WHENS)), "goto": draw(targets),
                 **({"max_times": 1} if draw(st.booleans()) else {})}
                for k in range(draw(st.integers(0, 4)))
            ]
        if t == "condition" and draw(st.booleans()):
            node["default"] = draw(targets)
        if t in ("say", "transfer") and draw(st.booleans()):
            node["next"] = draw(targets)
        if t == "transfer":
            node["queue"] = "q"
        if t == "end" and draw(st.booleans()):
            node["outcome"] = draw(st.sampled_from(["ok", "opt_out", "refused"]))
        nodes.append(node)
    if draw(st.booleans()) and nodes:
        nodes.append(dict(nodes[0]))  # duplicate id
    return {
        "format": "huashu.script/1", "id": "fuzz", "name": "fuzz", "language": draw(st.sampled_from(["zh-CN", "en-US"])),
        "variables": {"balance": {"type": "number"}},
        "start": draw(st.sampled_from([*ids, "ghost"])),
        "nodes": nodes,
        "global_handlers": [
            {"id": "g0", "when": draw(st.sampled_from(_WHENS[:7])), "goto": draw(targets)}
        ] if draw(st.booleans()) else [],
        "intent_rules": [{"label": "r", "category": draw(st.sampled_from(["success", "failure"])),
                          "when": {"outcome": "ok", **({"nodes_any": ["n0", "zz"]} if draw(st.booleans()) else {})}}],
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scripts())
def test_random_scripts_never_crash(doc: dict[str, Any]) -> None:
    v = validate(doc)
    report = qa(doc)
    assert 0 <= report.score <= 100
    assert report.metrics["valid"] is v.valid
    if not v.valid:
        assert report.score <= 49
    assert qa(doc).to_dict() == report.to_dict()
    for f in v.errors + v.warnings:
        assert f.message and f.path.startswith("$")
