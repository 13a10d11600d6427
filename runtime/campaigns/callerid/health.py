"""When to rest a caller id: a one-sided Wilson score test of its answer rate against its pool's.

Why Wilson: a number's daily sample is small (tens of calls) and its answer rate can sit near 0,
where the normal approximation gives bounds below zero; Wilson's interval stays inside [0, 1],
has close to nominal coverage at small n, and is closed form (no SciPy at run time). The pool's
rate (all its *other* numbers, usually hundreds of times more calls) is taken as known. A number
is rested when even the **upper** Wilson bound of its answer rate (one-sided, 99% by default)
lies below the rest of the pool's rate — "well below the pool", not a fixed threshold that
would rest whole pools on a bad afternoon. The same test, mirrored, rests a number whose early
hang-up rate is significantly *above* the pool's (people hang up on a number flagged as spam).
Pure: counts in, verdict out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Verdict", "wilson_bounds", "rest_verdict", "Z_99", "MIN_ATTEMPTS"]

#: one-sided 99%: P(Z > 2.326) = 0.01
Z_99 = 2.326
#: below this many attempts today a number is never judged
MIN_ATTEMPTS = 20


def wilson_bounds(successes: int, n: int, z: float = Z_99) -> tuple[float, float]:
    """Wilson score interval (lower, upper) of a binomial proportion; (0, 1) when n is 0."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True, slots=True)
class Verdict:
    rest: bool
    reason: str  # empty when not rested; says the figures otherwise


def rest_verdict(attempts: int, answered: int, early: int, pool_attempts: int, pool_answered: int, pool_early: int,
                 z: float = Z_99, min_attempts: int = MIN_ATTEMPTS) -> Verdict:
    """Judge one number; ``pool_*`` are the totals of the pool's other numbers for the same day."""
    if attempts < min_attempts or pool_attempts < min_attempts:
        return Verdict(False, "")
    pool_rate = pool_answered / pool_attempts
    _, upper = wilson_bounds(answered, attempts, z)
    if upper < pool_rate:
        return Verdict(True, f"answer rate {answered}/{attempts} = {answered / attempts:.1%} "
                             f"(upper bound {upper:.1%}) below the pool's {pool_rate:.1%}")
    if answered >= min_attempts and pool_answered >= min_attempts:
        pool_early_rate = pool_early / pool_answered
        lower, _ = wilson_bounds(early, answered, z)
        if lower > pool_early_rate:
            return Verdict(True, f"early hang-ups {early}/{answered} = {early / answered:.1%} "
                                 f"(lower bound {lower:.1%}) above the pool's {pool_early_rate:.1%}")
    return Verdict(False, "")
