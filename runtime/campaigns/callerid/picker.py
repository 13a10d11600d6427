"""The per-call choice of a caller id from a pool. Pure: numbers, usage and rest times are passed in.

Rule, best first: the callee's **city**, then its **province**, then its **operator**, then
**any** number of the pool. Within the best tier that has a usable number the pick goes
round-robin, so load spreads over all the numbers of that tier instead of burning the first
one; a number at its daily cap or resting is skipped (and named when the caller asks why).
A pick costs a dictionary lookup per tier plus the region lookup of the callee (cached by
prefix), a few microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from runtime.campaigns.callerid.regions import Region, lookup

__all__ = ["PoolNumber", "Pick", "Picker", "RULES"]

#: the tiers in the order they are tried
RULES: tuple[str, ...] = ("city", "province", "operator", "any")


@dataclass(slots=True)
class PoolNumber:
    """One caller id as the picker sees it: ``used`` is today's attempts (all nodes)."""

    id: int
    number: str
    region: Region
    cap: int
    used: int = 0
    rested_until: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.used < self.cap and (self.rested_until is None or self.rested_until <= now)


class Pick(NamedTuple):
    """The answer to "which caller id would this call use, and why" (a tuple: cheap to make)."""

    caller_id: str | None
    number_id: int | None
    rule: str  # city | province | operator | any | none (every number capped or resting)
    callee: Region
    caller: Region | None
    skipped_capped: tuple[str, ...] = ()
    skipped_rested: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "caller_id": self.caller_id, "rule": self.rule,
            "callee_region": self.callee.as_dict(),
            "caller_region": self.caller.as_dict() if self.caller is not None else None,
            "skipped_capped": list(self.skipped_capped), "skipped_rested": list(self.skipped_rested),
        }


@dataclass
class Picker:
    numbers: list[PoolNumber]
    _index: list[dict[object, list[int]]] = field(default_factory=list)
    _cursor: list[dict[object, int]] = field(default_factory=list)
    _by_id: dict[int, PoolNumber] = field(default_factory=dict)
    _plans: dict[int, list[tuple[int, object, list[int]]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_id = {n.id: n for n in self.numbers}
        self._index = [{} for _ in RULES]
        self._cursor = [{} for _ in RULES]
        for i, n in enumerate(self.numbers):
            for tier, key in enumerate(lookup(n.number)[1]):
                if key is not None:
                    self._index[tier].setdefault(key, []).append(i)

    def pick(self, callee_e164: str, now: datetime, explain: bool = False) -> Pick:
        """Choose (and count: ``used`` goes up by one) the caller id for a call to ``callee_e164``."""
        callee, keys = lookup(callee_e164)
        plan = self._plans.get(id(keys))  # keys tuples are shared per region (regions._SHARED): id is stable
        if plan is None:  # the non-empty tiers for this region, once per region
            plan = self._plans[id(keys)] = [(tier, key, cands) for tier, key in enumerate(keys)
                                        if key is not None and (cands := self._index[tier].get(key))]
        capped: dict[str, None] = {}
        rested: dict[str, None] = {}
        numbers = self.numbers
        for tier, key, cands in plan:
            cursors = self._cursor[tier]
            start = cursors.get(key, 0)
            size = len(cands)
            for step in range(size):
                at = (start + step) % size
                n = numbers[cands[at]]
                if n.used < n.cap and (n.rested_until is None or n.rested_until <= now):
                    cursors[key] = at + 1
                    n.used += 1
                    return Pick(n.number, n.id, RULES[tier], callee, n.region,
                                tuple(capped) if capped else (), tuple(rested) if rested else ())
                if explain:
                    (capped if n.used >= n.cap else rested)[n.number] = None
        return Pick(None, None, "none", callee, None, tuple(capped), tuple(rested))

    def number(self, number_id: int) -> PoolNumber:
        return self._by_id[number_id]

    def mark_full(self, number_id: int) -> None:
        """Another node used this number's last slot of the day."""
        n = self._by_id[number_id]
        n.used = max(n.used, n.cap)
