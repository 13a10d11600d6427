"""Call outcomes operators see, and the tables that map SIP statuses and FreeSWITCH causes to them.

The paper's result screen counts calls as 已接通 / 无应答 / 线路忙 / 空号 / 关机 / 拒接 ...; every
driver reports *why* a call ended in its own words (a SIP final response, a FreeSWITCH hangup
cause), so the mapping lives here, once, as plain tables that tests read row by row.

Sources:
- RFC 3398 section 8.2.6.1 ("SIP Status Code to ISUP Cause Code Mapping") for SIP -> Q.850.
- FreeSWITCH "Hangup Cause Code Table" (developer docs; ``switch_types.h``
  ``switch_call_cause_t``) for the cause names and their Q.850 numbers, and mod_sofia's
  ``sofia_glue_sip_cause_to_freeswitch()`` (``src/mod/endpoints/mod_sofia/sofia_glue.c``,
  lines 1813-1886 at signalwire/freeswitch cc93a683, August 2026), transcribed below as
  :data:`SOFIA_SIP_STATUS_CAUSES`. Our SIP table follows it except where RFC 3398 is more
  exact: 485 and 604 are UNALLOCATED_NUMBER (Q.850 1, RFC 3398), where sofia says
  NO_ROUTE_DESTINATION (3).

One source of truth for a carrier's answer: when the SIP final status is known (the SIP
driver's response, or FreeSWITCH's ``sip_term_status`` channel variable, which sofia sets
next to the cause it derives from the same status: ``sofia.c`` lines 8727-8750 for a final
response, 1020-1036 for a BYE), :func:`outcome_for_call` takes the outcome from the SIP
table, not from the cause. So a dead number (空号, 404/604) is ``invalid_number`` on both
drivers even though FreeSWITCH names 604 NO_ROUTE_DESTINATION (``unreachable`` in the cause
table). The cause decides only when it says more than the status: a ``Reason: Q.850;cause=N``
header (both drivers honour it; sofia prefers it to the status unless ``ignore_q850_reason``
is set), a local cause (our cancel, a timer), or no SIP status at all.

Decision on an unanswered NORMAL_CLEARING (a BYE, or a teardown without a final error
status, during ringing or early media, e.g. after a carrier announcement): ``no_answer``,
never ``connected``. Nobody picked up; the far end ended the attempt without saying why (a
carrier that means "switched off" or "no such number" says so with a status or a Reason
header, which win). ``no_answer`` keeps the number eligible for a redial; ``connected``
would count a call nobody took in the connect rate, and ``invalid_number`` would bar a live
number. FreeSWITCH records such a BYE with ``sip_term_status`` 200 (the BYE transaction's
status, ``sofia.c`` lines 946 and 1035 with ``MANUAL_BYE`` set in ``mod_sofia.h``), so a 2xx
term status on an unanswered call is not an answer.

Decision on 408 (Request Timeout): both RFC 3398 and FreeSWITCH give RECOVERY_ON_TIMER_EXPIRE,
but a 408 to an INVITE comes from a proxy whose timer C ran out while the phone rang, so the
operator sees ``no_answer``; the cause keeps its standard name for the record.

Decision on 480 (Temporarily Unavailable): RFC 3398 maps it to Q.850 cause 18 "no user
responding", which FreeSWITCH names NO_USER_RESPONSE; we keep the two tables consistent and
report it as ``no_answer``. A carrier that means "powered off" says so with a
``Reason: Q.850;cause=20`` header (SUBSCRIBER_ABSENT); pass that cause to
:func:`cause_from_sip_status` and the outcome becomes ``unreachable``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Outcome",
    "HangupCause",
    "SIP_STATUS_TO_Q850",
    "Q850_NAMES",
    "FREESWITCH_CAUSE_OUTCOMES",
    "SIP_STATUS_OUTCOMES",
    "SOFIA_SIP_STATUS_CAUSES",
    "OUTCOME_LABELS_ZH",
    "outcome_for_sip_status",
    "outcome_for_freeswitch_cause",
    "cause_from_sip_status",
    "cause_from_freeswitch",
    "outcome_for_call",
    "ANSWER_CLASS_OUTCOMES",
    "REACHABILITY_OUTCOMES",
    "outcome_for_answer_class",
]


class Outcome(StrEnum):
    """What happened to one dial attempt, as the operator's result screen counts it."""

    CONNECTED = "connected"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    REJECTED = "rejected"
    INVALID_NUMBER = "invalid_number"
    UNREACHABLE = "unreachable"
    NETWORK_ERROR = "network_error"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    # -- what answered, when it was not a person (issue 21; see ANSWER_CLASS_OUTCOMES) --
    ANNOUNCEMENT = "announcement"  # an operator announcement whose kind was not heard clearly
    ANNOUNCEMENT_INVALID = "announcement_invalid"
    ANNOUNCEMENT_SUSPENDED = "announcement_suspended"
    ANNOUNCEMENT_POWERED_OFF = "announcement_powered_off"
    ANNOUNCEMENT_BUSY = "announcement_busy"
    ANNOUNCEMENT_UNREACHABLE = "announcement_unreachable"
    VOICEMAIL = "voicemail"
    SCREENING = "screening"
    IVR = "ivr"
    FAX = "fax"


#: Labels of the paper's result table, for screens and exports.
OUTCOME_LABELS_ZH: dict[Outcome, str] = {
    Outcome.CONNECTED: "已接通",
    Outcome.NO_ANSWER: "无应答",
    Outcome.BUSY: "线路忙",
    Outcome.REJECTED: "拒接",
    Outcome.INVALID_NUMBER: "空号",
    Outcome.UNREACHABLE: "关机/停机",
    Outcome.NETWORK_ERROR: "网络故障",
    Outcome.CANCELLED: "振铃超时",
    Outcome.INTERRUPTED: "呼叫中断",
    Outcome.ANNOUNCEMENT: "提示音(未辨类型)",
    Outcome.ANNOUNCEMENT_INVALID: "空号(提示音)",
    Outcome.ANNOUNCEMENT_SUSPENDED: "停机(提示音)",
    Outcome.ANNOUNCEMENT_POWERED_OFF: "关机(提示音)",
    Outcome.ANNOUNCEMENT_BUSY: "正在通话中(提示音)",
    Outcome.ANNOUNCEMENT_UNREACHABLE: "无法接通(提示音)",
    Outcome.VOICEMAIL: "语音信箱/小秘书",
    Outcome.SCREENING: "来电筛选",
    Outcome.IVR: "语音导航",
    Outcome.FAX: "传真",
}


@dataclass(frozen=True, slots=True)
class HangupCause:
    """Why a call ended, in FreeSWITCH/Q.850 terms, with the SIP status when one was seen."""

    name: str
    q850: int | None = None
    sip_status: int | None = None


#: FreeSWITCH cause name -> Q.850 cause value (switch_call_cause_t). Causes above 127 are
#: FreeSWITCH's own and have no Q.850 value on the wire.
Q850_NAMES: dict[str, int | None] = {
    "UNSPECIFIED": 0,
    "UNALLOCATED_NUMBER": 1,
    "NO_ROUTE_TRANSIT_NET": 2,
    "NO_ROUTE_DESTINATION": 3,
    "CHANNEL_UNACCEPTABLE": 6,
    "NORMAL_CLEARING": 16,
    "USER_BUSY": 17,
    "NO_USER_RESPONSE": 18,
    "NO_ANSWER": 19,
    "SUBSCRIBER_ABSENT": 20,
    "CALL_REJECTED": 21,
    "NUMBER_CHANGED": 22,
    "REDIRECTION_TO_NEW_DESTINATION": 23,
    "EXCHANGE_ROUTING_ERROR": 25,
    "DESTINATION_OUT_OF_ORDER": 27,
    "INVALID_NUMBER_FORMAT": 28,
    "FACILITY_REJECTED": 29,
    "NORMAL_UNSPECIFIED": 31,
    "NORMAL_CIRCUIT_CONGESTION": 34,
    "NETWORK_OUT_OF_ORDER": 38,
    "NORMAL_TEMPORARY_FAILURE": 41,
    "SWITCH_CONGESTION": 42,
    "REQUESTED_CHAN_UNAVAIL": 44,
    "OUTGOING_CALL_BARRED": 52,
    "INCOMING_CALL_BARRED": 54,
    "BEARERCAPABILITY_NOTAUTH": 57,
    "BEARERCAPABILITY_NOTAVAIL": 58,
    "SERVICE_UNAVAILABLE": 63,
    "BEARERCAPABILITY_NOTIMPL": 65,
    "FACILITY_NOT_IMPLEMENTED": 69,
    "SERVICE_NOT_IMPLEMENTED": 79,
    "INCOMPATIBLE_DESTINATION": 88,
    "RECOVERY_ON_TIMER_EXPIRE": 102,
    "INTERWORKING": 127,
    "ORIGINATOR_CANCEL": None,  # FreeSWITCH 487
    "CRASH": None,
    "SYSTEM_SHUTDOWN": None,
    "LOSE_RACE": None,
    "MANAGER_REQUEST": None,
    "BLIND_TRANSFER": None,
    "ATTENDED_TRANSFER": None,
    "ALLOTTED_TIMEOUT": None,
    "MEDIA_TIMEOUT": None,
    "USER_NOT_REGISTERED": None,
    "PROGRESS_TIMEOUT": None,
    "GATEWAY_DOWN": None,
    "INVALID_GATEWAY": None,  # FreeSWITCH: originate names a gateway the switch does not have
    "UNWANTED": None,  # FreeSWITCH 819, for SIP 607 (RFC 8197)
    "NO_IDENTITY": None,  # 820..823: STIR/SHAKEN refusals (SIP 428, 429, 437, 438)
    "BAD_IDENTITY_INFO": None,
    "UNSUPPORTED_CERTIFICATE": None,
    "INVALID_IDENTITY": None,
}

_Q850_TO_NAME: dict[int, str] = {v: k for k, v in Q850_NAMES.items() if v is not None}

#: SIP final status -> FreeSWITCH cause name, after RFC 3398 8.2.6.1 (Q.850 value in the
#: comment). 487 is FreeSWITCH's ORIGINATOR_CANCEL: the INVITE was cancelled by us.
SIP_STATUS_TO_Q850: dict[int, str] = {
    200: "NORMAL_CLEARING",
    400: "NORMAL_TEMPORARY_FAILURE",  # 41
    401: "CALL_REJECTED",  # 21 (unanswered challenge)
    402: "CALL_REJECTED",  # 21
    403: "CALL_REJECTED",  # 21
    404: "UNALLOCATED_NUMBER",  # 1
    405: "SERVICE_UNAVAILABLE",  # 63
    406: "SERVICE_NOT_IMPLEMENTED",  # 79
    407: "CALL_REJECTED",  # 21
    408: "RECOVERY_ON_TIMER_EXPIRE",  # 102
    410: "NUMBER_CHANGED",  # 22
    413: "INTERWORKING",  # 127
    414: "INTERWORKING",  # 127 (RFC 3398 and sofia alike)
    415: "SERVICE_NOT_IMPLEMENTED",  # 79
    416: "INTERWORKING",  # 127
    420: "INTERWORKING",  # 127
    421: "INTERWORKING",  # 127
    423: "INTERWORKING",  # 127
    428: "NO_IDENTITY",  # FreeSWITCH (RFC 8224 "Use Identity Header")
    429: "BAD_IDENTITY_INFO",  # FreeSWITCH
    437: "UNSUPPORTED_CERTIFICATE",  # FreeSWITCH
    438: "INVALID_IDENTITY",  # FreeSWITCH
    480: "NO_USER_RESPONSE",  # 18
    481: "NORMAL_TEMPORARY_FAILURE",  # 41
    482: "EXCHANGE_ROUTING_ERROR",  # 25
    483: "EXCHANGE_ROUTING_ERROR",  # 25
    484: "INVALID_NUMBER_FORMAT",  # 28
    485: "UNALLOCATED_NUMBER",  # 1
    486: "USER_BUSY",  # 17
    487: "ORIGINATOR_CANCEL",
    488: "INCOMPATIBLE_DESTINATION",  # 88 (FreeSWITCH); RFC 3398: 127
    500: "NORMAL_TEMPORARY_FAILURE",  # 41
    501: "SERVICE_NOT_IMPLEMENTED",  # 79
    502: "NETWORK_OUT_OF_ORDER",  # 38
    503: "NORMAL_TEMPORARY_FAILURE",  # 41
    504: "RECOVERY_ON_TIMER_EXPIRE",  # 102
    505: "INTERWORKING",  # 127
    513: "INTERWORKING",  # 127
    600: "USER_BUSY",  # 17
    603: "CALL_REJECTED",  # 21
    604: "UNALLOCATED_NUMBER",  # 1
    606: "INCOMPATIBLE_DESTINATION",  # FreeSWITCH; RFC 3398: 58
    607: "UNWANTED",  # FreeSWITCH; RFC 8197 "Unwanted"
    608: "CALL_REJECTED",  # RFC 8688 "Rejected" (analytics/robocall filter)
}

#: What mod_sofia's ``sofia_glue_sip_cause_to_freeswitch()`` gives for a SIP final status
#: (sofia_glue.c lines 1813-1886 at signalwire/freeswitch cc93a683); any other status is
#: NORMAL_UNSPECIFIED there. Kept as data so :func:`outcome_for_call` can tell "FreeSWITCH
#: derived this cause from the status alone" from "a Reason header or a local event said more".
SOFIA_SIP_STATUS_CAUSES: dict[int, str] = {
    200: "NORMAL_CLEARING",
    **dict.fromkeys((401, 402, 403, 407, 603, 608), "CALL_REJECTED"),
    607: "UNWANTED",
    404: "UNALLOCATED_NUMBER",
    **dict.fromkeys((485, 604), "NO_ROUTE_DESTINATION"),
    **dict.fromkeys((408, 504), "RECOVERY_ON_TIMER_EXPIRE"),
    410: "NUMBER_CHANGED",
    **dict.fromkeys((413, 414, 416, 420, 421, 423, 505, 513), "INTERWORKING"),
    480: "NO_USER_RESPONSE",
    **dict.fromkeys((400, 481, 500, 503), "NORMAL_TEMPORARY_FAILURE"),
    **dict.fromkeys((486, 600), "USER_BUSY"),
    484: "INVALID_NUMBER_FORMAT",
    **dict.fromkeys((488, 606), "INCOMPATIBLE_DESTINATION"),
    502: "NETWORK_OUT_OF_ORDER",
    405: "SERVICE_UNAVAILABLE",
    **dict.fromkeys((406, 415, 501), "SERVICE_NOT_IMPLEMENTED"),
    **dict.fromkeys((482, 483), "EXCHANGE_ROUTING_ERROR"),
    487: "ORIGINATOR_CANCEL",
    428: "NO_IDENTITY",
    429: "BAD_IDENTITY_INFO",
    437: "UNSUPPORTED_CERTIFICATE",
    438: "INVALID_IDENTITY",
}

#: FreeSWITCH cause -> outcome for a call that was *not* answered (an answered call is
#: always CONNECTED; see :func:`outcome_for_call`). No row is CONNECTED: a call nobody
#: answered was never connected, whatever the cause (see the NORMAL_CLEARING decision above).
FREESWITCH_CAUSE_OUTCOMES: dict[str, Outcome] = {
    "NORMAL_CLEARING": Outcome.NO_ANSWER,
    "SUCCESS": Outcome.NO_ANSWER,
    "USER_BUSY": Outcome.BUSY,
    "NORMAL_CIRCUIT_CONGESTION": Outcome.NETWORK_ERROR,
    "NO_ANSWER": Outcome.NO_ANSWER,
    "NO_USER_RESPONSE": Outcome.NO_ANSWER,
    "CALL_REJECTED": Outcome.REJECTED,
    "OUTGOING_CALL_BARRED": Outcome.REJECTED,
    "INCOMING_CALL_BARRED": Outcome.REJECTED,
    "BEARERCAPABILITY_NOTAUTH": Outcome.REJECTED,
    "UNWANTED": Outcome.REJECTED,
    "NO_IDENTITY": Outcome.REJECTED,  # the carrier refused the call (4xx, as the SIP fallback)
    "BAD_IDENTITY_INFO": Outcome.REJECTED,
    "UNSUPPORTED_CERTIFICATE": Outcome.REJECTED,
    "INVALID_IDENTITY": Outcome.REJECTED,
    "UNALLOCATED_NUMBER": Outcome.INVALID_NUMBER,
    "INVALID_NUMBER_FORMAT": Outcome.INVALID_NUMBER,
    "NUMBER_CHANGED": Outcome.INVALID_NUMBER,
    "NO_ROUTE_TRANSIT_NET": Outcome.INVALID_NUMBER,
    "SUBSCRIBER_ABSENT": Outcome.UNREACHABLE,
    "USER_NOT_REGISTERED": Outcome.UNREACHABLE,
    "NO_ROUTE_DESTINATION": Outcome.UNREACHABLE,
    "ORIGINATOR_CANCEL": Outcome.CANCELLED,
    "PROGRESS_TIMEOUT": Outcome.CANCELLED,
    "ALLOTTED_TIMEOUT": Outcome.CANCELLED,
    "NORMAL_TEMPORARY_FAILURE": Outcome.NETWORK_ERROR,
    "RECOVERY_ON_TIMER_EXPIRE": Outcome.NETWORK_ERROR,
    "DESTINATION_OUT_OF_ORDER": Outcome.NETWORK_ERROR,
    "NETWORK_OUT_OF_ORDER": Outcome.NETWORK_ERROR,
    "SWITCH_CONGESTION": Outcome.NETWORK_ERROR,
    "REQUESTED_CHAN_UNAVAIL": Outcome.NETWORK_ERROR,
    "EXCHANGE_ROUTING_ERROR": Outcome.NETWORK_ERROR,
    "GATEWAY_DOWN": Outcome.NETWORK_ERROR,
    "INVALID_GATEWAY": Outcome.NETWORK_ERROR,
    "MEDIA_TIMEOUT": Outcome.NETWORK_ERROR,
    "INCOMPATIBLE_DESTINATION": Outcome.NETWORK_ERROR,
    "BEARERCAPABILITY_NOTAVAIL": Outcome.NETWORK_ERROR,
    "SERVICE_UNAVAILABLE": Outcome.NETWORK_ERROR,
    "SERVICE_NOT_IMPLEMENTED": Outcome.NETWORK_ERROR,
    "INTERWORKING": Outcome.NETWORK_ERROR,
    "CRASH": Outcome.INTERRUPTED,
    "SYSTEM_SHUTDOWN": Outcome.INTERRUPTED,
    "MANAGER_REQUEST": Outcome.CANCELLED,
}

#: SIP final status -> outcome, derived from the two tables above so they cannot disagree.
#: Where the operator's view of a SIP status differs from its cause's: 408 (see above), and
#: 200, which as the final response to the INVITE *is* the answer.
_SIP_OUTCOME_OVERRIDES: dict[int, Outcome] = {200: Outcome.CONNECTED, 408: Outcome.NO_ANSWER}

SIP_STATUS_OUTCOMES: dict[int, Outcome] = {
    status: _SIP_OUTCOME_OVERRIDES.get(status) or FREESWITCH_CAUSE_OUTCOMES.get(name, Outcome.NETWORK_ERROR)
    for status, name in SIP_STATUS_TO_Q850.items()
}


def _fallback_sip_cause(status: int) -> str:
    """A cause for a status the RFC 3398 table does not list, by its class."""
    if 200 <= status < 300:
        return "NORMAL_CLEARING"
    if 600 <= status < 700:
        return "CALL_REJECTED"
    if 400 <= status < 500:
        return "CALL_REJECTED"
    return "NORMAL_TEMPORARY_FAILURE"


def _check_status(status: int) -> None:
    if not 100 <= status <= 699:
        raise ValueError(f"not a SIP status code: {status!r} (expected 100..699)")


def cause_from_sip_status(status: int, reason_q850: int | None = None) -> HangupCause:
    """The cause for a SIP final response; a ``Reason: Q.850;cause=N`` header wins when given."""
    _check_status(status)
    if reason_q850 is not None and reason_q850 in _Q850_TO_NAME:
        name = _Q850_TO_NAME[reason_q850]
    else:
        name = SIP_STATUS_TO_Q850.get(status) or _fallback_sip_cause(status)
    return HangupCause(name=name, q850=Q850_NAMES.get(name), sip_status=status)


def cause_from_freeswitch(name: str) -> HangupCause:
    """The cause for a FreeSWITCH ``Hangup-Cause`` header value (case-insensitive)."""
    key = name.strip().upper()
    if not key:
        raise ValueError("empty FreeSWITCH hangup cause")
    return HangupCause(name=key, q850=Q850_NAMES.get(key), sip_status=_SIP_FOR_CAUSE.get(key))


#: The SIP status FreeSWITCH sends for a cause (first match in RFC 3398 order), for records.
_SIP_FOR_CAUSE: dict[str, int] = {}
for _status, _name in SIP_STATUS_TO_Q850.items():
    _SIP_FOR_CAUSE.setdefault(_name, _status)
_SIP_FOR_CAUSE.update({"NO_ANSWER": 480, "SUBSCRIBER_ABSENT": 480, "NO_USER_RESPONSE": 408, "USER_BUSY": 486})


def outcome_for_sip_status(status: int) -> Outcome:
    """Outcome of an INVITE whose final response was ``status`` (2xx: it was answered)."""
    _check_status(status)
    if status in SIP_STATUS_OUTCOMES:
        return SIP_STATUS_OUTCOMES[status]
    if 200 <= status < 300:
        return Outcome.CONNECTED
    return outcome_for_freeswitch_cause(_fallback_sip_cause(status))


def outcome_for_freeswitch_cause(name: str) -> Outcome:
    """Outcome of an unanswered call that FreeSWITCH ended with cause ``name``.

    Unknown causes count as network errors: the call failed for a reason we cannot name, and
    the dialer's redial policy treats network errors as worth another try.
    """
    key = name.strip().upper()
    return FREESWITCH_CAUSE_OUTCOMES.get(key, Outcome.NETWORK_ERROR)


def _status_alone_causes(status: int) -> set[str]:
    """The causes a final ``status`` gives with nothing else said: ours and mod_sofia's."""
    return {
        SIP_STATUS_TO_Q850.get(status) or _fallback_sip_cause(status),
        SOFIA_SIP_STATUS_CAUSES.get(status, "NORMAL_UNSPECIFIED"),
    }


def outcome_for_call(cause: HangupCause, answered: bool) -> Outcome:
    """The outcome of one call, the same for every driver.

    Answered calls are connected whoever hung up and why. An unanswered call is never
    connected. When the INVITE's final status is known (3xx-6xx) and the cause is just what
    that status implies (in our table or in mod_sofia's), the SIP table decides, so SIP and
    FreeSWITCH agree on the same carrier answer; otherwise (a Reason header, a local cause, no
    status, or a 2xx term status, which on an unanswered call is a BYE's) the cause decides.
    """
    if answered:
        return Outcome.CONNECTED
    status = cause.sip_status
    if status is not None and 300 <= status <= 699 and cause.name.strip().upper() in _status_alone_causes(status):
        return outcome_for_sip_status(status)
    return outcome_for_freeswitch_cause(cause.name)


# -- what answered (issue 21) ------------------------------------------------------------
# The answer classifier (telephony.media.answer) hears an operator's announcement, a
# voicemail greeting, a screening prompt, an IVR or a fax where the signalling says
# "answered" or "ringing". Its verdict replaces the signalling's outcome; the call keeps the
# SIP status and cause it came with (CallResult.cause), so both stay on the record.

#: Answer class -> outcome. Classes not listed (human, ringback, music, silence, busy and
#: congestion tones, SIT) leave the signalling's outcome as it is.
ANSWER_CLASS_OUTCOMES: dict[str, Outcome] = {
    "announcement": Outcome.ANNOUNCEMENT,  # redialled like unreachable, never blacklisted
    "announcement_invalid": Outcome.ANNOUNCEMENT_INVALID,
    "announcement_suspended": Outcome.ANNOUNCEMENT_SUSPENDED,
    "announcement_powered_off": Outcome.ANNOUNCEMENT_POWERED_OFF,
    "announcement_busy": Outcome.ANNOUNCEMENT_BUSY,
    "announcement_unreachable": Outcome.ANNOUNCEMENT_UNREACHABLE,
    "voicemail": Outcome.VOICEMAIL,
    "screening": Outcome.SCREENING,
    "ivr": Outcome.IVR,
    "fax": Outcome.FAX,
}

#: Outcomes the reports count apart as "reachability" (never in the connect rate).
REACHABILITY_OUTCOMES: frozenset[Outcome] = frozenset(ANSWER_CLASS_OUTCOMES.values())


def outcome_for_answer_class(label: str) -> Outcome | None:
    """The outcome a classifier verdict stands for, or None when the signalling's stays."""
    return ANSWER_CLASS_OUTCOMES.get(label)
