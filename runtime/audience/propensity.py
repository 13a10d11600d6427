"""Time-of-day answer propensity: how likely a customer answers in each half hour of the local day.

A customer carries two fields, ``chronotype`` and ``answer_base``; the probability of
answering in half-hour slot ``s`` (0 = 00:00-00:30 local time) is
``answer_base * PROFILES[chronotype][s]``. The telephony simulator receives the 48 numbers
as the call variable ``answer_by_half_hour`` (see :func:`answer_curve`), so it needs no
import from here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from functools import cache

import numpy as np

__all__ = ["CHRONOTYPES", "profiles", "answer_curve", "answer_probability", "slot_of", "SLOTS"]

CHRONOTYPES: tuple[str, ...] = ("office_worker", "retiree", "student", "shift_worker", "self_employed")
SLOTS = 48
_LOCAL = timezone(timedelta(hours=8))

# (centre hour, width hours, height) bumps on a low night-time floor.
_BUMPS: dict[str, tuple[tuple[float, float, float], ...]] = {
    "office_worker": ((12.25, 0.6, 0.95), (18.75, 1.1, 0.85), (9.0, 0.6, 0.25), (15.5, 1.5, 0.2)),
    "retiree": ((10.0, 1.4, 0.95), (16.0, 1.3, 0.85), (19.5, 1.0, 0.5)),
    "student": ((12.5, 0.7, 0.7), (17.5, 1.0, 0.6), (20.5, 1.2, 0.9)),
    "shift_worker": ((10.5, 2.0, 0.55), (19.0, 2.5, 0.6)),
    "self_employed": ((10.75, 1.2, 0.7), (14.5, 1.3, 0.75), (19.5, 1.2, 0.55)),
}
_FLOOR_DAY = 0.08
_FLOOR_NIGHT = 0.01


@cache
def profiles() -> np.ndarray:
    """``(len(CHRONOTYPES), 48)`` relative answer multipliers in [0, 1]."""
    hours = (np.arange(SLOTS) + 0.5) / 2.0
    out = np.zeros((len(CHRONOTYPES), SLOTS))
    for i, name in enumerate(CHRONOTYPES):
        curve = np.where((hours >= 8) & (hours < 22), _FLOOR_DAY, _FLOOR_NIGHT)
        for centre, width, height in _BUMPS[name]:
            curve = curve + height * np.exp(-0.5 * ((hours - centre) / width) ** 2)
        out[i] = np.clip(curve, 0.0, 1.0)
    out.setflags(write=False)
    return out


def answer_curve(chronotype: str, answer_base: float) -> list[float]:
    """The 48 per-half-hour answer probabilities of one customer (local time)."""
    try:
        row = profiles()[CHRONOTYPES.index(chronotype)]
    except ValueError:
        row = profiles().mean(axis=0)
    return [round(float(answer_base * p), 4) for p in row]


def slot_of(when: datetime) -> int:
    """Half-hour slot (0-47) of ``when`` in China local time; naive datetimes are taken as UTC."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    local = when.astimezone(_LOCAL)
    return local.hour * 2 + local.minute // 30


def answer_probability(chronotype: str, answer_base: float, when: datetime) -> float:
    return answer_curve(chronotype, answer_base)[slot_of(when)]
