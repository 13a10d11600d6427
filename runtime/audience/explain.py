"""A decision tree's rules in words, for the business users who approve an audience (Chinese and English).

Each leaf becomes one rule: the conditions on its path (merged per field, so
``balance <= 40 and balance <= 10`` reads ``balance <= 10``), the share of positives in it
and how many training customers it covers. Rules are listed best first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Rule", "tree_rules", "render_rule", "FIELD_NAMES_ZH"]

FIELD_NAMES_ZH: dict[str, str] = {
    "age": "年龄",
    "gender": "性别",
    "plan": "套餐",
    "arpu": "月均消费(ARPU)",
    "balance": "余额",
    "recharge_count_6m": "近6月充值次数",
    "recharge_amount_6m": "近6月充值金额",
    "last_recharge_days": "距上次充值天数",
    "activated_days": "在网天数",
    "data_gb_month": "月流量(GB)",
    "voice_min_month": "月通话分钟",
    "complaints_12m": "近12月投诉次数",
    "status": "状态",
    "chronotype": "作息类型",
    "answer_base": "接听倾向",
}
_VALUE_ZH = {"semi_suspended": "半停机", "suspended": "停机", "active": "正常", "M": "男", "F": "女"}
_TARGET_ZH = {"recharged": "充值", "connected": "接通", "intent": "有意向"}


@dataclass(frozen=True, slots=True)
class Rule:
    conditions: tuple[tuple[str, str, Any], ...]  # (field, op, value); op in <=, >, ==, !=
    rate: float
    support: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "conditions": [{"field": f, "op": o, "value": v} for f, o, v in self.conditions],
            "rate": round(self.rate, 4),
            "support": self.support,
        }


def _merge(path: list[tuple[str, str, Any]]) -> tuple[tuple[str, str, Any], ...]:
    upper: dict[str, float] = {}
    lower: dict[str, float] = {}
    eq: dict[str, str] = {}
    neq: dict[str, list[str]] = {}
    order: list[str] = []
    for fld, op, val in path:
        if fld not in order:
            order.append(fld)
        if op == "<=":
            upper[fld] = min(upper.get(fld, val), val)
        elif op == ">":
            lower[fld] = max(lower.get(fld, val), val)
        elif op == "==":
            eq[fld] = val
        else:
            neq.setdefault(fld, []).append(val)
    out: list[tuple[str, str, Any]] = []
    for fld in order:
        if fld in eq:
            out.append((fld, "==", eq[fld]))
            continue
        out += [(fld, "!=", v) for v in neq.get(fld, [])]
        if fld in lower:
            out.append((fld, ">", round(lower[fld], 2)))
        if fld in upper:
            out.append((fld, "<=", round(upper[fld], 2)))
    return tuple(out)


def tree_rules(estimator: Any, feature_names: list[str]) -> list[Rule]:
    """One rule per leaf of a fitted scikit-learn decision tree, highest positive rate first."""
    t = estimator.tree_
    rules: list[Rule] = []

    def walk(node: int, path: list[tuple[str, str, Any]]) -> None:
        left, right = t.children_left[node], t.children_right[node]
        if left == right:  # a leaf
            counts = t.value[node][0]
            total = float(counts.sum())
            rate = float(counts[1] / total) if len(counts) > 1 and total else 0.0
            rules.append(Rule(_merge(path), rate, int(t.n_node_samples[node])))
            return
        name = feature_names[t.feature[node]]
        thr = float(t.threshold[node])
        if "=" in name:  # a one-hot indicator: <= 0.5 means "is not"
            fld, level = name.split("=", 1)
            walk(left, [*path, (fld, "!=", level)])
            walk(right, [*path, (fld, "==", level)])
        else:
            walk(left, [*path, (name, "<=", thr)])
            walk(right, [*path, (name, ">", thr)])

    walk(0, [])
    return sorted(rules, key=lambda r: (-r.rate, -r.support))


def render_rule(rule: Rule, target: str = "recharged", lang: str = "en") -> str:
    """One sentence per rule, e.g. ``IF status is semi_suspended AND balance > -12.5 THEN recharged 41% (3,210 customers)``."""
    if lang == "zh":
        ops = {"<=": "不高于", ">": "高于", "==": "为", "!=": "不为"}
        conds = [
            f"{FIELD_NAMES_ZH.get(f, f)}{ops[o]}{_VALUE_ZH.get(str(v), v)}" for f, o, v in rule.conditions
        ]
        head = "且".join(conds) if conds else "所有客户"
        return f"如果 {head}，则{_TARGET_ZH.get(target, target)}概率 {rule.rate:.0%}（{rule.support:,} 位客户）"
    ops = {"<=": "<=", ">": ">", "==": "is", "!=": "is not"}
    conds = [f"{f} {ops[o]} {v}" for f, o, v in rule.conditions]
    head = " AND ".join(conds) if conds else "any customer"
    return f"IF {head} THEN {target} {rule.rate:.0%} ({rule.support:,} customers)"
