"""The campaign report: the paper's figures 10-12 and tables 1-2, plus the control-group comparison.

``build_report(store, campaign_id)`` returns plain data (dicts, lists, numbers) that the
CLI prints as tables, the pages chart and the exporters write; ``campaign_id=None`` is the
report across all campaigns. Local time for half-hour slots is UTC+8 unless told otherwise.
It reads only the store's rollups (``r_calls``, ``r_customers``, ``r_business``), so its
cost does not grow with the number of calls.
"""

from __future__ import annotations

from typing import Any

from runtime.analytics.records import BALANCE_BINS, EFFECTIVE_TALK_S, RECHARGE_BINS
from runtime.analytics.stats import GroupStats, compare_groups, compare_shares, wilson
from runtime.analytics.store import AnalyticsStore
from telephony.outcomes import REACHABILITY_OUTCOMES

__all__ = ["build_report", "slot_label", "bin_labels", "CLASS_ROWS", "MIN_SLOT_ATTEMPTS"]

MIN_SLOT_ATTEMPTS = 30
_REACHABILITY = frozenset(o.value for o in REACHABILITY_OUTCOMES)
# (key, label, the customer's best call levels it covers; see records.CATEGORY_LEVEL)
CLASS_ROWS: tuple[tuple[str, str, frozenset[int]], ...] = (
    ("not_connected", "未接通 not connected", frozenset({0})),
    ("connected", "接通 connected", frozenset({1, 2, 3, 4})),
    ("no_intent", "无意向 no intent", frozenset({1, 2})),
    ("general_or_better", "一般及以上意向 general intent or better", frozenset({3, 4})),
    ("intent", "有意向 intent", frozenset({4})),
)


def slot_label(slot: int) -> str:
    h, m = divmod(slot * 30, 60)
    h2, m2 = divmod(slot * 30 + 30, 60)
    return f"{h:02d}:{m:02d}-{h2:02d}:{m2:02d}"


def bin_labels(edges: tuple[float, ...], below: str) -> list[str]:
    """Labels of the bins numbered by :func:`runtime.analytics.store.bin_sql`."""
    labels = [below] + [f"{edges[i - 1]:g}-{edges[i]:g}" for i in range(1, len(edges))]
    return [*labels, f">={edges[-1]:g}"]


def build_report(store: AnalyticsStore, campaign_id: int | None = None, tz_hours: int = 8) -> dict[str, Any]:
    where = "campaign_id = ?" if campaign_id is not None else "TRUE"
    p = [campaign_id] if campaign_id is not None else []
    q = store.query
    row = q(
        f"""SELECT coalesce(sum(n), 0), coalesce(sum(n) FILTER (answered), 0), sum(talk_sum) FILTER (answered),
                   coalesce(sum(effective), 0), min(first_at), max(last_at)
            FROM r_calls WHERE {where}""",
        p,
    )[0]
    attempts, connected = int(row[0]), int(row[1])
    cust = q(
        f"""SELECT coalesce(sum(n), 0), coalesce(sum(n) FILTER (level >= 1), 0), coalesce(sum(n) FILTER (effective), 0),
                   coalesce(sum(n) FILTER (level >= 3), 0), coalesce(sum(n) FILTER (level = 4), 0)
            FROM r_customers WHERE {where}""",
        p,
    )[0]
    cust = tuple(int(c) for c in cust)
    summary = {
        "campaign_id": campaign_id,
        "attempts": attempts,
        "connected": connected,
        "connect_rate": round(connected / attempts, 4) if attempts else 0.0,
        "avg_talk_s": round(float(row[2] or 0.0) / connected, 1) if connected else 0.0,
        "effective_calls": int(row[3]),
        "customers": cust[0],
        "first_call": str(row[4]) if row[4] else None,
        "last_call": str(row[5]) if row[5] else None,
    }
    funnel = [
        {"step": "customers called", "customers": cust[0]},
        {"step": "connected", "customers": cust[1]},
        {"step": f"talked > {EFFECTIVE_TALK_S:g} s", "customers": cust[2]},
        {"step": "general intent or better", "customers": cust[3]},
        {"step": "intent", "customers": cust[4]},
    ]
    for f in funnel:
        f["share"] = round(f["customers"] / cust[0], 4) if cust[0] else 0.0
    outcomes = [
        {"outcome": o, "calls": int(n), "share": round(n / attempts, 4) if attempts else 0.0}
        for o, n in q(f"SELECT outcome, sum(n) FROM r_calls WHERE {where} GROUP BY 1 ORDER BY 2 DESC, 1", p)
    ]
    reach = [o for o in outcomes if o["outcome"] in _REACHABILITY]
    reachability = {
        # what answered instead of a person: never in the connect rate, counted here apart
        "by_outcome": reach,
        "calls": sum(o["calls"] for o in reach),
        "share": round(sum(o["calls"] for o in reach) / attempts, 4) if attempts else 0.0,
        "fully_suspended": sum(o["calls"] for o in reach if o["outcome"] == "announcement_suspended"),
    }
    slots = _slots(store, where, p, tz_hours)
    return {
        "summary": summary,
        "funnel": funnel,
        "outcomes": outcomes,
        "reachability": reachability,
        "nodes": _nodes(store, where, p, connected),
        "slots": slots,
        "best_slot": _best_slot(slots, attempts, connected),
        "outcome_table": _class_table(store, where, p),
        "distributions": _distributions(store, where, p),
        "control": _control(store, where, p),
    }


def _nodes(store: AnalyticsStore, where: str, p: list[Any], connected: int) -> list[dict[str, Any]]:
    """Where the answered calls ended: per last node, its calls, share and average talk time."""
    return [
        {"node": node, "calls": int(n), "share": round(n / connected, 4) if connected else 0.0,
         "avg_talk_s": round(t / n, 1) if n else 0.0}
        for node, n, t in store.query(
            f"SELECT last_node, sum(n), sum(talk_sum) FROM r_calls WHERE {where} AND answered GROUP BY 1 ORDER BY 2 DESC, 1",
            p,
        )
    ]


def _slots(store: AnalyticsStore, where: str, p: list[Any], tz_hours: int) -> list[dict[str, Any]]:
    """The connect rate per half-hour slot of the local day (``tz_hours`` from UTC), with its
    Wilson interval."""
    slot_rows = store.query(
        f"""SELECT (slot_utc + {int(tz_hours) * 2} + 48) % 48 AS slot, sum(n), coalesce(sum(n) FILTER (answered), 0)
            FROM r_calls WHERE {where} GROUP BY 1 ORDER BY 1""",
        p,
    )
    slots = []
    for slot, n, k in slot_rows:
        lo, hi = wilson(int(k), int(n))
        slots.append(
            {"slot": int(slot), "label": slot_label(int(slot)), "attempts": int(n), "connected": int(k),
             "connect_rate": round(k / n, 4), "ci_low": round(lo, 4), "ci_high": round(hi, 4)}
        )
    return slots


def _best_slot(slots: list[dict[str, Any]], attempts: int, connected: int) -> dict[str, Any] | None:
    eligible = [s for s in slots if s["attempts"] >= MIN_SLOT_ATTEMPTS]
    if not eligible:
        return None
    best = max(eligible, key=lambda s: (s["connect_rate"], s["attempts"]))
    rest = GroupStats("other slots", attempts - best["attempts"], connected - best["connected"])
    cmp = compare_shares(GroupStats(best["label"], best["attempts"], best["connected"]), rest, "connect_rate")
    return {**best, "vs_other_slots": cmp.as_dict()}


def _class_table(store: AnalyticsStore, where: str, p: list[Any]) -> list[dict[str, Any]]:
    """Tables 1-2: per class, customers and how many recharged > 0, >= 100, >= 200 (with shares)."""
    rows = store.query(
        f"""SELECT level, sum(n), sum(r0), sum(r100), sum(r200), sum(recharge_sum)
            FROM r_customers WHERE {where} GROUP BY level""",
        p,
    )
    out = []
    for key, label, levels in CLASS_ROWS:
        agg = [0.0] * 5
        for r in rows:
            if int(r[0]) in levels:
                agg = [a + float(b) for a, b in zip(agg, r[1:], strict=True)]
        n, r0, r100, r200, total = int(agg[0]), int(agg[1]), int(agg[2]), int(agg[3]), agg[4]
        out.append(
            {
                "class": key,
                "label": label,
                "customers": n,
                "recharged": r0,
                "recharged_share": round(r0 / n, 4) if n else 0.0,
                "recharge_ge_100": r100,
                "ge_100_share": round(r100 / n, 4) if n else 0.0,
                "recharge_ge_200": r200,
                "ge_200_share": round(r200 / n, 4) if n else 0.0,
                "recharge_total": round(total, 2),
            }
        )
    return out


def _distributions(store: AnalyticsStore, where: str, p: list[Any]) -> dict[str, Any]:
    """Figures 11-12: balance and recharge for effectively contacted customers against the rest."""
    out: dict[str, Any] = {}
    for col, bin_col, total_col, edges, below in (
        ("balance", "balance_bin", "balance_sum", BALANCE_BINS, "<0"),
        ("recharge_amount", "recharge_bin", "recharge_sum", RECHARGE_BINS, "0"),
    ):
        labels = bin_labels(edges, below)
        rows = store.query(
            f"""SELECT effective, {bin_col}, sum(n), sum({total_col}) FROM r_customers
                WHERE {where} AND has_business GROUP BY 1, 2 ORDER BY 1, 2""",
            p,
        )
        groups = {}
        for eff in (True, False):
            counts = [0] * len(labels)
            total = 0.0
            for e2, b, k, t in rows:
                if bool(e2) == eff:
                    counts[int(b)] += int(k)
                    total += float(t)
            n = sum(counts)
            groups["effective" if eff else "rest"] = {
                "customers": n,
                "mean": round(total / n, 2) if n else 0.0,
                "bins": [{"bin": lab, "customers": c, "share": round(c / n, 4) if n else 0.0}
                         for lab, c in zip(labels, counts, strict=True)],
            }
        out[col] = groups
    return out


def _control(store: AnalyticsStore, where: str, p: list[Any]) -> dict[str, Any] | None:
    """Treated against the hold-out control group: recharge rate and amount with intervals and tests."""
    rows = store.query(
        f"SELECT arm, sum(n), sum(recharged), sum(amount_sum), sum(amount_sq) FROM r_business WHERE {where} GROUP BY arm",
        p,
    )
    arms = {}
    for arm, n, k, total, sq in rows:
        n = int(n)
        mean = float(total) / n if n else 0.0
        var = max((float(sq) - n * mean * mean) / (n - 1), 0.0) if n > 1 else 0.0
        arms[arm] = GroupStats(arm, n, int(k), mean, var)
    if "treated" not in arms or "control" not in arms:
        return None
    return compare_groups(arms["treated"], arms["control"])
