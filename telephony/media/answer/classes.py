"""The answer classes, the phase a clip is heard in, and the decision with its evidence."""

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


ANNOUNCEMENTS = frozenset(c for c in AnswerClass if c.value.startswith("announcement_"))
#: Classes that mean "no person will talk": the bot must not speak to them.
MACHINE_CLASSES = ANNOUNCEMENTS | {
    AnswerClass.VOICEMAIL,
    AnswerClass.SCREENING,
    AnswerClass.IVR,
    AnswerClass.FAX,
    AnswerClass.SIT,
    AnswerClass.BUSY_TONE,
    AnswerClass.CONGESTION_TONE,
}
#: Early-media classes that end the attempt (ringback, music and silence just mean "still ringing").
TERMINAL_EARLY = ANNOUNCEMENTS | {AnswerClass.SIT, AnswerClass.BUSY_TONE, AnswerClass.CONGESTION_TONE}


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
    """The verdict: class, confidence 0..1, when (seconds of media) it was reached, and why."""

    label: AnswerClass
    confidence: float
    decided_at_s: float
    phase: Phase
    evidence: tuple[Evidence, ...] = field(default=())
    reason: str = ""

    @property
    def machine(self) -> bool:
        return self.label in MACHINE_CLASSES

    def to_dict(self) -> dict[str, Any]:
        return {
            "class": self.label.value,
            "confidence": round(self.confidence, 3),
            "decided_at_s": round(self.decided_at_s, 2),
            "phase": self.phase.value,
            "machine": self.machine,
            "reason": self.reason,
            "evidence": [e.to_dict() for e in self.evidence],
        }
