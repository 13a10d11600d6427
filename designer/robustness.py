"""Robustness as a QA input: how well each branch catches what customers really say.

The measurement itself (the attack) replays variants through the runtime's matcher, which the
designer may not import; the caller runs it (``runtime.lab.attack.robustness_of``) and hands
the figures to :func:`designer.qa.qa`. Without them QA reports ``robustness`` as not measured
and scores as before, so a plain ``qa(doc)`` is unchanged.

Thresholds (documented in docs/script-format.md):

* ``low_recall``    -- a branch catches under 85 % of its variants (warning), under 60 % (error)
* ``false_capture`` -- 10 % or more of the replies that must not land on a branch do (warning),
  25 % or more (error)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["BranchRobustness", "Robustness", "RECALL_WARN", "RECALL_ERROR",
           "CAPTURE_WARN", "CAPTURE_ERROR"]

RECALL_WARN = 0.85
RECALL_ERROR = 0.60
CAPTURE_WARN = 0.10
CAPTURE_ERROR = 0.25


@dataclass(frozen=True, slots=True)
class BranchRobustness:
    """One attacked branch: share of its variants it caught and of the must-not replies it took."""

    node: str
    branch: str
    recall: float | None
    false_capture: float | None
    variants: int = 0
    missed: str = ""  # one variant it missed, shown in the message
    captured: str = ""  # one reply it wrongly took


@dataclass(frozen=True, slots=True)
class Robustness:
    branches: tuple[BranchRobustness, ...]
    seed: int = 0
    variants: int = 0

    @classmethod
    def of(cls, branches: Iterable[BranchRobustness], seed: int = 0, variants: int = 0) -> Robustness:
        return cls(tuple(branches), seed, variants)

    def mean(self, attr: str) -> float | None:
        vals = [getattr(b, attr) for b in self.branches if getattr(b, attr) is not None]
        return sum(vals) / len(vals) if vals else None

    def metrics(self) -> dict[str, Any]:
        """Flat numbers (the pages show each metric as one value): mean recall and false capture
        over the attacked branches, and how many replies were tried."""
        r, f = self.mean("recall"), self.mean("false_capture")
        return {"robustness_recall": None if r is None else round(r, 3),
                "robustness_false_capture": None if f is None else round(f, 3),
                "robustness_variants": self.variants}
