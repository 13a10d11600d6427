"""Best time to call for a task: each customer's ranked half-hour slots inside the calling windows.

The rates are what ``huashu report best-time --save-default`` learned from past calls
(:mod:`runtime.analytics.besttime`, one segment field such as ``chronotype``). A customer
whose row lacks that variable has no data and keeps the normal order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from runtime.campaigns.mapping import CustomerRow
from runtime.campaigns.windows import Windows

__all__ = ["window_slots", "slot_chooser", "SlotChooser", "default_rates_path", "BEST_K"]

#: how many ranked slots a customer keeps: the best one still ahead today is used
BEST_K = 3


def window_slots(windows: Windows) -> set[int]:
    """Half hours (0..47, local time) that lie wholly inside a calling window."""
    if not windows.spans:
        return set(range(48))
    return {s for s in range(48) if any(a <= s * 30 and s * 30 + 30 <= b for a, b in windows.spans)}


def default_rates_path() -> Path:
    from huashu.core.config import get_settings

    return Path(get_settings().data_dir) / "best_times.json"


class SlotChooser:
    """Row -> ranked slots. A class, not a closure, so that a big list's screening worker
    (:mod:`runtime.campaigns.screening`) can take it along. Rankings are cached per segment
    value: a million rows cost a few lookups."""

    def __init__(self, field: str, rates: list[Any], allowed: set[int]) -> None:
        self.field, self.rates, self.allowed = field, rates, allowed
        self._cache: dict[str, tuple[int, ...]] = {}

    def __call__(self, row: CustomerRow) -> Sequence[int] | None:
        from runtime.analytics.besttime import best_slots

        value = row.variables.get(self.field) if row.variables else None
        if value is None or value == "":
            return None
        key = str(value)
        got = self._cache.get(key)
        if got is None:
            got = self._cache[key] = tuple(best_slots(self.rates, key, BEST_K, self.allowed))
        return got


def slot_chooser(path: Path | None, windows: Windows) -> Callable[[CustomerRow], Sequence[int] | None] | None:
    """A row -> ranked slots function, or None when no rates were saved (every number keeps the
    normal order)."""
    from runtime.analytics.besttime import load_rates

    path = path or default_rates_path()
    if not path.is_file():
        return None
    field, rates = load_rates(path)
    return SlotChooser(field, list(rates), window_slots(windows))
