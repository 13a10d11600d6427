"""What happens on a call, as the engine sees it. Time is ``at_ms``: virtual ms since the call started.

``droppable_on_barge_in`` says whether a media layer may drop the event while it barges in
(stops a prompt because the customer speaks): partial speech may go, a hang-up or a key
press never may.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

__all__ = ["Answered", "PromptFinished", "Speech", "Dtmf", "Timer", "Hangup", "TransferFailed", "Event",
           "TIMER_KINDS"]

TIMER_KINDS: tuple[str, ...] = ("silence", "dtmf", "max_duration")


@dataclass(frozen=True, slots=True)
class Answered:
    at_ms: int
    droppable_on_barge_in: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class PromptFinished:
    at_ms: int
    play_id: int
    droppable_on_barge_in: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Speech:
    at_ms: int
    text: str
    final: bool = True
    confidence: float = 1.0
    # the branch closed-set recognition chose (runtime.nlu.closedset), and why / why it rejected
    branch_hint: str | None = None
    note: str = ""
    droppable_on_barge_in: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class Dtmf:
    at_ms: int
    digit: str
    droppable_on_barge_in: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class Timer:
    """A timer the engine asked for (:class:`~runtime.dialog.actions.StartTimer`) has fired."""

    at_ms: int
    kind: str
    token: int
    droppable_on_barge_in: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class Hangup:
    at_ms: int
    by: str = "customer"
    cause: str = "normal"
    droppable_on_barge_in: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class TransferFailed:
    """The driver could not bridge a :class:`~runtime.dialog.actions.Transfer` (no agent, queue closed).

    The engine then continues at the transfer node's ``next`` if it has one, else ends the call.
    """

    at_ms: int
    cause: str = "no_agent"
    droppable_on_barge_in: ClassVar[bool] = False


Event = Answered | PromptFinished | Speech | Dtmf | Timer | Hangup | TransferFailed
