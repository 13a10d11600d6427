"""A synthetic but realistic telecom subscriber base, deterministic per seed.

The distributions are documented in ``docs/audience-analytics.md`` and named here as
constants so the documentation and the generator cannot drift apart. The base is a little
dirty on purpose (nulls, impossible ages, negative usage, ARPU typos) because the
preparation step exists to clean exactly that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from runtime.audience.frame import Frame
from runtime.audience.propensity import CHRONOTYPES

__all__ = [
    "PLANS",
    "PLAN_SHARES",
    "PLAN_FEES",
    "MOBILE_PREFIXES",
    "SynthOptions",
    "synth_customers",
    "REFERENCE_TIME",
]

# Plans and their monthly fee (CNY); the shares follow a typical prepaid-heavy operator.
PLANS: tuple[str, ...] = ("basic_8", "basic_18", "4g_38", "4g_58", "4g_88", "5g_128", "5g_198")
PLAN_SHARES: tuple[float, ...] = (0.08, 0.14, 0.22, 0.22, 0.16, 0.12, 0.06)
PLAN_FEES: tuple[float, ...] = (8.0, 18.0, 38.0, 58.0, 88.0, 128.0, 198.0)
_PLAN_DATA_GB: tuple[float, ...] = (0.3, 1.0, 6.0, 12.0, 25.0, 45.0, 80.0)
_PLAN_VOICE_MIN: tuple[float, ...] = (60.0, 120.0, 180.0, 260.0, 380.0, 520.0, 700.0)
CHRONOTYPE_SHARES: tuple[float, ...] = (0.38, 0.18, 0.12, 0.14, 0.18)

# Valid mainland-China mobile prefixes (China Mobile, Unicom, Telecom, broadcast).
MOBILE_PREFIXES: tuple[int, ...] = (
    134, 135, 136, 137, 138, 139, 147, 150, 151, 152, 157, 158, 159, 172, 178, 182, 183, 184, 187, 188,
    195, 197, 198, 130, 131, 132, 145, 155, 156, 166, 175, 176, 185, 186, 196, 133, 149, 153, 173, 177,
    180, 181, 189, 190, 191, 193, 199, 192,
)  # fmt: skip

REFERENCE_TIME = np.datetime64("2026-06-30T16:00:00", "s")  # midnight Beijing time, 1 July 2026


@dataclass(frozen=True, slots=True)
class SynthOptions:
    """Knobs of the generator; the defaults are the documented base."""

    seed: int = 7
    dirty_rate: float = 0.01  # share of rows with a null in each nullable column
    impossible_rate: float = 0.001  # share of rows with an impossible value per checked column
    secondary_share: float = 0.35
    reference_time: np.datetime64 = REFERENCE_TIME


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    prefix = np.asarray(MOBILE_PREFIXES, dtype=np.int64)[rng.integers(0, len(MOBILE_PREFIXES), n)]
    return (prefix * 100_000_000 + rng.integers(0, 100_000_000, n)).astype("U11").astype(object)


def synth_customers(n: int, options: SynthOptions | None = None) -> Frame:
    """``n`` customers as columns; the same seed always gives the same base."""
    if n < 0:
        raise ValueError("the number of customers must be >= 0")
    o = options or SynthOptions()
    rng = np.random.default_rng(o.seed)
    plan_idx = rng.choice(len(PLANS), size=n, p=PLAN_SHARES)
    fee = np.asarray(PLAN_FEES)[plan_idx]

    age = np.clip(rng.normal(41.0, 13.0, n), 18, 85).round()
    tenure_months = np.clip(rng.lognormal(3.3, 0.95, n), 1, 300)
    activated_at = o.reference_time - (tenure_months * 30.44 * 86400).astype("timedelta64[s]")

    arpu = np.round(fee * rng.lognormal(0.0, 0.25, n) + rng.gamma(1.2, 6.0, n), 2)
    data_gb = np.round(rng.gamma(1.6, np.asarray(_PLAN_DATA_GB)[plan_idx] / 1.6), 2)
    voice_min = np.round(rng.gamma(2.0, np.asarray(_PLAN_VOICE_MIN)[plan_idx] / 2.0))

    recharge_count = rng.poisson(1.0 + 4.0 * rng.beta(2, 2, n))
    recharge_amount = np.round(recharge_count * rng.gamma(4.0, fee * 1.3 / 4.0 + 5.0), 0)
    days_since = np.minimum(rng.exponential(180.0 / (recharge_count + 0.5)), 180.0)
    last_recharge_at = o.reference_time - (days_since * 86400).astype("timedelta64[s]")
    last_recharge_at[recharge_count == 0] = np.datetime64("NaT")

    # Balance: most customers hold about half a month's spend; about 9% are in the red.
    balance = np.round(rng.normal(0.6, 0.3, n) * arpu + rng.normal(0, 5, n), 2)
    low = rng.random(n) < 0.07
    balance[low] = -np.round(rng.gamma(1.5, 12.0, int(low.sum())), 2)
    status = np.where(balance >= 0, "active", np.where(balance > -30, "semi_suspended", "suspended")).astype(object)
    complaints = rng.poisson(0.12 + 0.35 * (status != "active") + 0.002 * voice_min / 10)

    chronotype = np.asarray(CHRONOTYPES, dtype=object)[rng.choice(len(CHRONOTYPES), size=n, p=CHRONOTYPE_SHARES)]
    answer_base = np.round(rng.beta(4.0, 4.5, n) * np.where(age > 60, 1.15, 1.0), 3).clip(0.02, 0.98)

    secondary = _phones(rng, n)
    secondary[rng.random(n) >= o.secondary_share] = ""
    frame: Frame = {
        "customer_id": np.arange(1, n + 1, dtype=np.int64),
        "phone": _phones(rng, n),
        "secondary_phone": secondary,
        "age": age.astype(float),
        "gender": np.where(rng.random(n) < 0.52, "M", "F").astype(object),
        "plan": np.asarray(PLANS, dtype=object)[plan_idx],
        "activated_at": activated_at,
        "arpu": arpu,
        "balance": balance,
        "recharge_count_6m": recharge_count.astype(np.int64),
        "recharge_amount_6m": recharge_amount,
        "last_recharge_at": last_recharge_at,
        "data_gb_month": data_gb,
        "voice_min_month": voice_min.astype(float),
        "complaints_12m": complaints.astype(np.int64),
        "status": status,
        "chronotype": chronotype,
        "answer_base": answer_base,
    }
    _dirty(frame, rng, o)
    return frame


def _dirty(frame: Frame, rng: np.random.Generator, o: SynthOptions) -> None:
    """Nulls and impossible values at the documented rates, so preparation has real work."""
    n = len(frame["customer_id"])
    for col in ("age", "data_gb_month", "voice_min_month", "arpu"):
        frame[col][rng.random(n) < o.dirty_rate] = np.nan
    bad = rng.random(n) < o.impossible_rate
    frame["age"][bad] = rng.choice([0.0, 150.0, 999.0], size=int(bad.sum()))
    bad = rng.random(n) < o.impossible_rate
    frame["data_gb_month"][bad] = -1.0
    bad = rng.random(n) < o.impossible_rate
    frame["arpu"][bad] = frame["arpu"][bad] * 100  # a decimal-point typo in the billing export
