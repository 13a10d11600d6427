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
            "SWITCH_CONGESTION", "GATEWAY_DOWN", "MEDIA_TIMEOUT", "NORMAL_CIRCUIT_CONGESTION", "INVALID_GATEWAY"}


def hangup_by(event: EslEvent, cause: str) -> HangupBy:
    """Who ended the call, from mod_sofia's ``sip_hangup_disposition`` (recv_* / send_*)."""
    disposition = event.var("sip_hangup_disposition")
    status = event.var("sip_term_status")
    if disposition == "recv_refuse" and status.startswith("5"):
        return "network"  # as the SIP driver: 5xx (a refused connection is sofia's 503) is the network's
    if disposition.startswith("recv_"):
        return "remote"
    if disposition.startswith("send_"):
        return "network" if cause in NETWORK_CAUSES else "local"
    if cause in ("ORIGINATOR_CANCEL", "MANAGER_REQUEST"):
        return "local"
    return "network" if cause in NETWORK_CAUSES else "remote"


@dataclass
class FsCallState:
    """One call's milestones. With ``bridged`` (the customer is bridged to the runtime's media
    leg) the contract's ``Answered`` waits for that leg: the customer's CHANNEL_ANSWER alone
    only sets ``customer_answered``. A bridge that fails (the switch's session-rate throttle,
    the runtime unreachable: FreeSWITCH hangs the customer up at once with the leg's cause)
    is then a failed call, never ``connected``.
    """

    ringing: bool = False
    early: bool = False
    answered: bool = False
    ended: bool = False
    recording_path: str = ""
    bridged: bool = False
    customer_answered: bool = False
    early_bridge: bool = False  # the media leg may come up on early media, before the customer answers
    media: bool = False  # the runtime's media leg is up
    cancel_sent: bool = False  # we cancelled it before answer (uuid_kill ... ORIGINATOR_CANCEL)

    def apply(self, event: EslEvent) -> list[CallEvent]:
        if self.ended:
            return []
        name = event.name
        out: list[CallEvent] = []
        if name == "CHANNEL_PROGRESS" and not self.ringing and not self.answered:
            # Not after the answer: on a real switch the bridged media leg's INVITE often
            # reaches the runtime before the customer leg's events come over the socket.
            self.ringing = True
            out.append(Ringing())
        elif name == "CHANNEL_PROGRESS_MEDIA" and not self.early and not self.answered:
            self.early = True
            out.append(EarlyMedia())
        elif name == "CHANNEL_ANSWER" and not self.customer_answered:
            self.customer_answered = True
            if not self.bridged or (self.early_bridge and self.media and not self.answered):
                self.answered = True
                out.append(Answered())
        elif name == "DTMF" and event.get("DTMF-Digit"):
            out.append(DtmfReceived(event.get("DTMF-Digit")[0]))
        elif name == "RECORD_START":
            self.recording_path = event.get("Record-File-Path")
        elif name == "CHANNEL_HANGUP_COMPLETE":
            out.append(self.hangup(event))
        return out

    def media_up(self) -> list[CallEvent]:
        """The runtime's media leg is bridged: now the call is answered as far as the bot is concerned."""
        if self.ended or self.answered:
            return []
        self.media = True
        if self.early_bridge and not self.customer_answered:
            return []  # early media: the bridge carries the carrier's 183 audio; Answered comes with CHANNEL_ANSWER
        self.customer_answered = self.answered = True
        return [Answered()]

    def hangup(self, event: EslEvent) -> HungUp:
        self.ended = True
        name = event.get("Hangup-Cause") or event.var("hangup_cause") or "NORMAL_UNSPECIFIED"
        cause = cause_from_freeswitch(name)
        # The SIP status FreeSWITCH really saw, or none: an inferred one would let the outcome
        # table read "408" into a timer that expired with no answer from the carrier at all.
        term = event.var("sip_term_status")
        if cause.name == "RECOVERY_ON_TIMER_EXPIRE" and not (self.ringing or self.early or self.customer_answered):
            # Sofia's own timer B (32 s, no response at all) is recorded as 408 "recv_refuse",
            # as if the carrier had answered 408: the SIP driver calls it network_error.
            return HungUp(HangupCause(cause.name, cause.q850, None), "network")
        cause = HangupCause(cause.name, cause.q850, int(term) if term.isdigit() else None)
        if self.customer_answered and not self.answered:
            # The customer answered but the bridge to the runtime failed: the switch ended
            # the call (``send_bye``), and it is the network's failure, not the customer's.
            return HungUp(cause, "network")
        if self.cancel_sent and cause.name == "ORIGINATOR_CANCEL":
            # Our own cancel, whatever disposition sofia recorded for it: under load the
            # carrier's 487 can arrive as recv_* before the channel is torn down.
            return HungUp(cause, "local")
        return HungUp(cause, hangup_by(event, cause.name))

    def hangup_without_event(self, cause: HangupCause, by: HangupBy) -> HungUp:
        self.ended = True
        return HungUp(cause, by)
