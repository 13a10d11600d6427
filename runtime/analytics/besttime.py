"""Best time to call per segment, learned from half-hour connect rates; the scheduler asks :func:`best_slots`.

Connect rates per (segment, slot) are shrunk toward the segment's overall rate (a beta prior
worth ``prior_weight`` attempts) so a half hour with 3 calls and 3 answers does not win over
one with 3,000 calls at 40%. Segments are any customer field the business data carries
(chronotype, plan, status ...), joined from a customer frame by customer id.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from huashu.core.errors import UserError
from runtime.analytics.report import slot_label
from runtime.analytics.store import AnalyticsStore
from runtime.audience.frame import Frame

__all__ = ["SlotRate", "slot_rates", "best_slots", "learn_best_times", "save_rates", "load_rates", "best_slots_for"]


@dataclass(frozen=True, slots=True)
class SlotRate:
    segment: str
    slot: int
    attempts: int
    connected: int
    rate: float  # shrunk connect rate

    @property
    def label(self) -> str:
        return slot_label(self.slot)


def slot_rates(counts: dict[str, np.ndarray], prior_weight: float = 50.0) -> list[SlotRate]:
    """``counts[segment]`` is a (48, 2) array of attempts and connects per local half hour."""
    out = []
    for seg, arr in counts.items():
        n, k = arr[:, 0].astype(float), arr[:, 1].astype(float)
        overall = k.sum() / n.sum() if n.sum() else 0.0
        rate = (k + prior_weight * overall) / (n + prior_weight)
        out += [SlotRate(seg, s, int(n[s]), int(k[s]), float(rate[s])) for s in range(48) if n[s] > 0]
    return out


def best_slots(rates: list[SlotRate], segment: str, k: int = 3, allowed: set[int] | None = None) -> list[int]:
    """The ``k`` best half-hour slots (local time) for ``segment``, limited to ``allowed`` (the calling window).

    An unknown segment falls back to the pooled rates over all segments.
    """
    pool = [r for r in rates if r.segment == segment]
    if not pool:
        agg: dict[int, list[int]] = {}
        for r in rates:
            a = agg.setdefault(r.slot, [0, 0])
            a[0] += r.attempts
            a[1] += r.connected
        pool = [SlotRate("*", s, n, c, c / n if n else 0.0) for s, (n, c) in agg.items()]
    if allowed is not None:
        pool = [r for r in pool if r.slot in allowed]
    return [r.slot for r in sorted(pool, key=lambda r: (-r.rate, r.slot))[:k]]


def learn_best_times(
    store: AnalyticsStore, customers: Frame, segment: str, campaign_ids: list[int] | None = None, tz_hours: int = 8
) -> tuple[list[SlotRate], dict[str, Any]]:
    """Connect rates per (segment value, local half hour) over the calls in the store."""
    if segment not in customers:
        raise UserError(f"the customer data has no field {segment!r}")
    where = "TRUE" if not campaign_ids else f"campaign_id IN ({','.join(str(int(c)) for c in campaign_ids)})"
    store.con.register("_seg", {"customer_id": customers["customer_id"], "seg": customers[segment].astype(str)})
    try:
        rows = store.query(
            f"""SELECT s.seg, (c.slot_utc + {int(tz_hours) * 2} + 48) % 48, count(*), count(*) FILTER (c.answered)
                FROM calls c JOIN _seg s ON s.customer_id = c.customer_id WHERE {where} GROUP BY 1, 2"""
        )
    finally:
        store.con.unregister("_seg")
    counts: dict[str, np.ndarray] = {}
    for seg, slot, n, k in rows:
        counts.setdefault(str(seg), np.zeros((48, 2), dtype=np.int64))[int(slot)] = (n, k)
    rates = slot_rates(counts)
    summary = {seg: [slot_label(s) for s in best_slots(rates, seg)] for seg in sorted(counts)}
    return rates, summary


def save_rates(rates: list[SlotRate], path: Path, segment_field: str) -> Path:
    """Persist learned rates (JSON) for the scheduler; ``segment_field`` names the customer field used."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"segment_field": segment_field, "rates": [asdict(r) for r in rates]}))
    return path


def load_rates(path: Path) -> tuple[str, list[SlotRate]]:
    """(segment field, rates) saved by :func:`save_rates`; UserError (a ValueError) when the file is not such a file."""
    try:
        data = json.loads(path.read_text())
        return str(data["segment_field"]), [SlotRate(**r) for r in data["rates"]]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise UserError(f"{path}: not a best-time file ({e})") from e


def best_slots_for(path: Path, variables: dict[str, Any], k: int = 3, allowed: set[int] | None = None) -> list[int]:
    """The scheduler's entry point: best local half-hour slots for one customer's call variables.

    Uses the segment field recorded in the saved file (e.g. ``chronotype``); a customer without
    that variable gets the pooled best slots.
    """
    field, rates = load_rates(path)
    return best_slots(rates, str(variables.get(field, "")), k, allowed)
