"""The finished call as the campaign and the web see it: outcome, times, engine record, recording."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from runtime.dialog.record import CallRecord
from telephony.contract import RecordingInfo
from telephony.outcomes import HangupCause, Outcome

__all__ = ["CallResult"]


@dataclass(frozen=True, slots=True)
class CallResult:
    """One dial attempt, finished. ``engine_record`` is None when nobody answered."""

    call_id: str
    number: str
    outcome: Outcome
    cause: HangupCause
    hangup_by: str | None
    engine_record: CallRecord | None
    ring_ms: int  # dialling to answer (or to the end when never answered)
    talk_ms: int  # answer to hangup; 0 when never answered
    recording: RecordingInfo | None
    started_at: datetime
    ended_at: datetime
    transferred_to: str | None = None
    error: str | None = None  # an internal failure during the call (the call was hung up)
    answer: tuple[dict[str, Any], ...] = ()  # the answer classifier's verdicts (early media, after answer)
    # per recognised turn: endpoint / recognise / match / first audio ms (runtime.calls.listening.TurnBudget)
    turn_budgets: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "number": self.number,
            "outcome": str(self.outcome),
            "cause": self.cause.name,
            "q850": self.cause.q850,
            "sip_status": self.cause.sip_status,
            "hangup_by": self.hangup_by,
            "ring_ms": self.ring_ms,
            "talk_ms": self.talk_ms,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat(),
            "transferred_to": self.transferred_to,
            "error": self.error,
            "answer": list(self.answer),
            "turn_budgets": self.turn_budgets,
            "recording": None
            if self.recording is None
            else {
                "path": str(self.recording.path),
                "duration_ms": self.recording.duration_ms,
                "channels": self.recording.channels,
                "sample_rate": self.recording.sample_rate,
                "size_bytes": self.recording.size_bytes,
            },
            "record": self.engine_record.to_dict() if self.engine_record is not None else None,
        }
