"""Validation + QA of a generated 1,000-node script: median time over several runs (target < 300 ms).

Run: .venv/bin/python bench/bench_designer.py [--nodes N] [--runs R]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from designer.qa import qa  # noqa: E402
from designer.validate import validate  # noqa: E402


def generate(n_nodes: int = 1000) -> dict[str, Any]:
    """A valid script of about ``n_nodes`` nodes: stages of condition -> question -> info, each with an end."""
    stages = max(1, (n_nodes - 8) // 4)
    nodes: list[dict[str, Any]] = []
    for i in range(stages):
        nxt = f"c{i + 1}" if i + 1 < stages else "success"
        nodes.append({"id": f"c{i}", "type": "condition",
                      "branches": [{"id": "low", "when": {"expr": f"balance < {i} and vip"}, "goto": f"ask{i}"}],
                      "default": f"ask{i}"})
        opening = "您好，我是联通客服小王。" if i == 0 else ""
        nodes.append({"id": f"ask{i}", "type": "say_listen",
                      "prompt": {"text": f"{opening}${{name}}，第{i}项优惠每月只要${{price}}元，您需要了解吗？"},
                      "branches": [
                          {"id": "yes", "when": {"intent": "affirm"}, "goto": f"info{i}"},
                          {"id": "kw", "when": {"keywords": [f"好的{i}", "可以"]}, "goto": f"info{i}"},
                          {"id": "key", "when": {"dtmf": "1"}, "goto": f"info{i}"},
                          {"id": "no", "when": {"intent": "deny"}, "goto": f"end{i}"},
                          {"id": "sil", "when": {"event": "silence"}, "goto": f"ask{i}", "max_times": 1,
                           "else_goto": "bye_silence"},
                          {"id": "nm", "when": {"event": "no_match"}, "goto": f"ask{i}", "max_times": 2,
                           "else_goto": f"end{i}"},
                      ]})
        nodes.append({"id": f"info{i}", "type": "say", "prompt": {"text": "好的，详细内容稍后短信发给您。"},
                      "next": nxt})
        nodes.append({"id": f"end{i}", "type": "end", "prompt": {"text": "好的，不打扰您了，再见！"},
                      "outcome": "refused"})
    nodes += [
        {"id": "success", "type": "end", "prompt": {"text": "已为您办理成功，再见！"}, "outcome": "accepted"},
        {"id": "bye_silence", "type": "end", "prompt": {"text": "听不到您的声音，再见！"}, "outcome": "silence"},
        {"id": "who", "type": "say", "prompt": {"text": "我是联通客服，为您介绍优惠。"}, "next": "@return"},
        {"id": "optout", "type": "end", "tags": ["opt_out"], "prompt": {"text": "已登记，不再致电，再见！"},
         "outcome": "opt_out"},
        {"id": "agent", "type": "transfer", "queue": "vip", "next": "bye_agent"},
        {"id": "bye_agent", "type": "end", "prompt": {"text": "坐席正忙，稍后回电，再见！"}, "outcome": "complaint"},
        {"id": "busy", "type": "end", "prompt": {"text": "好的，改天再联系您，再见！"}, "outcome": "callback"},
    ]
    return {
        "format": "huashu.script/1", "id": "bench", "name": "bench", "language": "zh-CN",
        "variables": {"name": {"type": "string", "example": "张先生"}, "price": {"type": "amount", "example": 10},
                      "balance": {"type": "number", "example": 3}, "vip": {"type": "string", "example": "y"}},
        "settings": {"silence_timeout_ms": 5000},
        "start": "c0",
        "nodes": nodes,
        "global_handlers": [
            {"id": "opt", "when": {"intent": "opt_out"}, "goto": "optout", "override": True, "tags": ["opt_out"]},
            {"id": "complaint", "when": {"intent": "complaint"}, "goto": "agent", "override": True},
            {"id": "who", "when": {"intent": "who_are_you"}, "goto": "who", "max_times": 2, "else_goto": "busy"},
            {"id": "busy", "when": {"intent": "busy_later"}, "goto": "busy"},
            {"id": "repeat", "when": {"intent": "repeat"}, "goto": "@return", "max_times": 2, "else_goto": "busy"},
        ],
        "intent_rules": [
            {"label": "成功", "category": "success", "priority": 1, "when": {"outcome": "accepted"}},
            {"label": "人工", "category": "human_follow_up", "priority": 2, "when": {"outcome": "complaint"}},
            {"label": "失败", "category": "failure", "priority": 3, "when": {"outcome": ["refused", "opt_out"]}},
            {"label": "无意向", "category": "no_intent", "priority": 4, "when": {"outcome": ["silence", "callback"]}},
        ],
    }


def _time(fn: Any, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    doc = generate(args.nodes)
    report = validate(doc)
    if not report.valid:
        sys.exit(f"generated script is invalid: {report.errors[:3]}")
    qa(doc)  # warm caches (schema compilation, regexes)
    val = _time(lambda: validate(doc), args.runs)
    qa_only = _time(lambda: qa(doc), args.runs)
    both = _time(lambda: (validate(doc), qa(doc)), args.runs)
    score = qa(doc).score
    print(f"script: {len(doc['nodes'])} nodes, valid, QA score {score}")
    print(f"validate:                  median {statistics.median(val):7.1f} ms  (min {min(val):.1f}, runs {args.runs})")
    print(f"qa (validation included):  median {statistics.median(qa_only):7.1f} ms  (min {min(qa_only):.1f})")
    print(f"validate, then qa:         median {statistics.median(both):7.1f} ms  (min {min(both):.1f})"
          f"  target < 300 ms: {'OK' if statistics.median(both) < 300 else 'OVER'}")


if __name__ == "__main__":
    main()
