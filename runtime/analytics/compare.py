"""Two campaigns side by side (AI calling vs manual calling, or script A vs script B).

Each campaign's treated customers are a group: connect rate over attempts, recharge rate and
mean recharge over customers, each difference with its interval and test (:mod:`stats`).
"""

from __future__ import annotations

from typing import Any

from huashu.core.errors import UserError
from runtime.analytics.stats import GroupStats, compare_groups, compare_shares
from runtime.analytics.store import AnalyticsStore

__all__ = ["compare_campaigns"]


def compare_campaigns(store: AnalyticsStore, a: int, b: int, confidence: float = 0.95) -> dict[str, Any]:
    """Campaign ``a`` against the reference ``b``; ValueError when one has no business data."""
    groups, connects = {}, {}
    for cid in (a, b):
        r = store.query(
            """SELECT count(*), count(*) FILTER (recharge_amount > 0), avg(recharge_amount),
                      coalesce(var_samp(recharge_amount), 0)
               FROM business WHERE campaign_id = ? AND arm = 'treated'""",
            [cid],
        )[0]
        if not r[0]:
            raise UserError(f"campaign {cid} has no business data (treated customers)")
        groups[cid] = GroupStats(f"campaign {cid}", int(r[0]), int(r[1]), float(r[2] or 0), float(r[3] or 0))
        c = store.query("SELECT count(*), count(*) FILTER (answered) FROM calls WHERE campaign_id = ?", [cid])[0]
        connects[cid] = GroupStats(f"campaign {cid}", int(c[0]), int(c[1]))
    result = compare_groups(groups[a], groups[b], confidence)
    result["connect_rate"] = compare_shares(connects[a], connects[b], "connect_rate", confidence).as_dict()
    return result
