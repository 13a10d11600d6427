"""FreeSWITCH channel events -> contract events, for one call, as a pure state machine.

FreeSWITCH may repeat itself (CHANNEL_PROGRESS per 180, answer events for both legs of a
bridge), so the machine emits each milestone once and nothing after the hangup.
"""

from __future__ import annotations

from dataclasses import dataclass

from telephony.contract import Answered, CallEvent, DtmfReceived, EarlyMedia, HangupBy, HungUp, Ringing
from telephony.freeswitch.protocol import EslEvent
from telephony.outcomes import HangupCause, cause_from_freeswitch

__all__ = ["FsCallState", "hangup_by", "CHANNEL_EVENTS", "NETWORK_CAUSES"]

CHANNEL_EVENTS = (
    "CHANNEL_CREATE",
    "CHANNEL_PROGRESS",
    "CHANNEL_PROGRESS_MEDIA",
    "CHANNEL_ANSWER",
    "CHANNEL_HANGUP_COMPLETE",
    "DTMF",
    "RECORD_START",
    "RECORD_STOP",
    "BACKGROUND_JOB",
)

NETWORK_CAUSES = {"RECOVERY_ON_TIMER_EXPIRE", "NETWORK_OUT_OF_ORDER", "DESTINATION_OUT_OF_ORDER", "NORMAL_TEMPORARY_FAILURE",
            "SWITCH_CONGESTION", "GATEWAY_DOWN", "MEDIA_TIMEOUT", "NORMAL_CIRCUIT_CONGESTION"}


def hangup_by(event: EslEvent, cause: str) -> HangupBy:
    """Who ended the call, from mod_sofia's ``sip_hangup_disposition`` (recv_* / send_*)."""
    disposition = event.var("sip_hangup_disposition")
    if disposition.startswith("recv_"):
        return "remote"
    if disposition.startswith("send_"):
        return "network" if cause in NETWORK_CAUSES else "local"
    if cause in ("ORIGINATOR_CANCEL", "MANAGER_REQUEST"):
        return "local"
    return "network" if cause in NETWORK_CAUSES else "remote"


@dataclass
class FsCallState:
    ringing: bool = False
    early: bool = False
    answered: bool = False
    ended: bool = False
    recording_path: str = ""

    def apply(self, event: EslEvent) -> list[CallEvent]:
        if self.ended:
            return []
        name = event.name
        out: list[CallEvent] = []
        if name == "CHANNEL_PROGRESS" and not self.ringing:
            self.ringing = True
            out.append(Ringing())
        elif name == "CHANNEL_PROGRESS_MEDIA" and not self.early and not self.answered:
            self.early = True
            out.append(EarlyMedia())
        elif name == "CHANNEL_ANSWER" and not self.answered:
            self.answered = True
            out.append(Answered())
        elif name == "DTMF" and event.get("DTMF-Digit"):
            out.append(DtmfReceived(event.get("DTMF-Digit")[0]))
        elif name == "RECORD_START":
            self.recording_path = event.get("Record-File-Path")
        elif name == "CHANNEL_HANGUP_COMPLETE":
            out.append(self.hangup(event))
        return out

    def hangup(self, event: EslEvent) -> HungUp:
        self.ended = True
        name = event.get("Hangup-Cause") or event.var("hangup_cause") or "NORMAL_UNSPECIFIED"
        cause = cause_from_freeswitch(name)
        # The SIP status FreeSWITCH really saw, or none: an inferred one would let the outcome
        # table read "408" into a timer that expired with no answer from the carrier at all.
        term = event.var("sip_term_status")
        cause = HangupCause(cause.name, cause.q850, int(term) if term.isdigit() else None)
        return HungUp(cause, hangup_by(event, cause.name))

    def hangup_without_event(self, cause: HangupCause, by: HangupBy) -> HungUp:
        self.ended = True
        return HungUp(cause, by)
