"""The answer classes, the phase a clip is heard in, and the decision with its evidence.

Action and label are two times (issue 21's pre-answer floor): an operator's announcement is
known to be one ("the bot must not speak": the action) seconds before its last words say
which kind it is (the label: 对不起，您拨打的用户… 正忙 / 已停机 / 已关机 / 不在服务区). The
classifier first gives a *pending* verdict of class ``announcement`` (``Decision.pending``),
then refines it into the kind; the final :class:`Decision` keeps the first one as ``action``
and carries both times (``decided_at_s``: the action, ``labelled_at_s``: the kind). A kind
that never resolves stays ``announcement`` (an outcome of its own, redialled like
``unreachable``, never blacklisted as ``invalid``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["AnswerClass", "Phase", "Evidence", "Decision", "MACHINE_CLASSES", "ANNOUNCEMENTS", "TERMINAL_EARLY"]


class AnswerClass(StrEnum):
    """What is on the line. Names are the issue's (and the outcomes' where one follows)."""

    HUMAN = "human"
    RINGBACK = "ringback"
    RINGBACK_MUSIC = "ringback_music"
    SIT = "sit"
    BUSY_TONE = "busy_tone"
    CONGESTION_TONE = "congestion_tone"
    SILENCE = "silence"
    ANNOUNCEMENT = "announcement"  # an operator announcement whose kind is not (yet) known
    ANNOUNCEMENT_INVALID = "announcement_invalid"
    ANNOUNCEMENT_SUSPENDED = "announcement_suspended"
    ANNOUNCEMENT_POWERED_OFF = "announcement_powered_off"
    ANNOUNCEMENT_BUSY = "announcement_busy"
    ANNOUNCEMENT_UNREACHABLE = "announcement_unreachable"
    VOICEMAIL = "voicemail"
    SCREENING = "screening"
    IVR = "ivr"
    FAX = "fax"


class Phase(StrEnum):
    """``early``: before 200 OK (183 early media); ``answered``: the first seconds after it."""

    EARLY = "early"
    ANSWERED = "answered"


#: The announcement kinds (what the words say; the generic ``announcement`` is not one).
ANNOUNCEMENTS = frozenset(c for c in AnswerClass if c.value.startswith("announcement_"))
#: Classes that mean "no person will talk": the bot must not speak to them.
MACHINE_CLASSES = ANNOUNCEMENTS | {
    AnswerClass.ANNOUNCEMENT,
    AnswerClass.VOICEMAIL,
    AnswerClass.SCREENING,
    AnswerClass.IVR,
    AnswerClass.FAX,
    AnswerClass.SIT,
    AnswerClass.BUSY_TONE,
    AnswerClass.CONGESTION_TONE,
}
#: Early-media classes that end the attempt (ringback, music and silence just mean "still ringing").
TERMINAL_EARLY = ANNOUNCEMENTS | {AnswerClass.ANNOUNCEMENT, AnswerClass.SIT, AnswerClass.BUSY_TONE, AnswerClass.CONGESTION_TONE}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One thing heard: ``what`` (a tone, a phrase, a speech run) from ``start_s`` to ``end_s``."""

    kind: str  # tone | cadence | phrase | speech | beep | silence | music
    what: str
    start_s: float
    end_s: float
    score: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "what": self.what, "start_s": round(self.start_s, 2),
                "end_s": round(self.end_s, 2), "score": round(self.score, 3)}

    def __str__(self) -> str:
        return f"{self.kind} {self.what!r} at {self.start_s:.2f}-{self.end_s:.2f} s (score {self.score:.2f})"


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict: class, confidence 0..1, when (seconds of media) it was reached, and why.

    ``decided_at_s`` is when the action was known (hang up / cancel / talk); ``labelled_at_s``
    when the class was, if later (an announcement's kind). ``pending``: an actionable verdict
    whose class is still being refined (only ``announcement``); ``action``: the pending
    verdict this one refined, with its own confidence and evidence.
    """

    label: AnswerClass
    confidence: float
    decided_at_s: float
    phase: Phase
    evidence: tuple[Evidence, ...] = field(default=())
    reason: str = ""
    labelled_at_s: float | None = None
    pending: bool = False
    action: Decision | None = None

    @property
    def machine(self) -> bool:
        return self.label in MACHINE_CLASSES

    @property
    def labelled_at(self) -> float:
        """When the class was known (the action's time unless it was refined later)."""
        return self.decided_at_s if self.labelled_at_s is None else self.labelled_at_s

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "class": self.label.value,
            "confidence": round(self.confidence, 3),
            "decided_at_s": round(self.decided_at_s, 2),
            "labelled_at_s": round(self.labelled_at, 2),
            "phase": self.phase.value,
            "machine": self.machine,
            "reason": self.reason,
            "evidence": [e.to_dict() for e in self.evidence],
        }
        if self.pending:
            out["pending"] = True
        if self.action is not None:
            out["action"] = self.action.to_dict()
        return out
