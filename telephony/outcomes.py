"""Call outcomes operators see, and the tables that map SIP statuses and FreeSWITCH causes to them.

The paper's result screen counts calls as 已接通 / 无应答 / 线路忙 / 空号 / 关机 / 拒接 ...; every
driver reports *why* a call ended in its own words (a SIP final response, a FreeSWITCH hangup
cause), so the mapping lives here, once, as plain tables that tests read row by row.

Sources:
- RFC 3398 section 8.2.6.1 ("SIP Status Code to ISUP Cause Code Mapping") for SIP -> Q.850.
- FreeSWITCH "Hangup Cause Code Table" (developer docs; ``switch_types.h``
  ``switch_call_cause_t``) for the cause names and their Q.850 numbers, and mod_sofia's
  ``sofia_glue_sip_cause_to_freeswitch()`` (SIP status -> cause), which this table follows
  except where RFC 3398 is more exact (404/485/604 -> UNALLOCATED_NUMBER, not NO_ROUTE_DESTINATION).

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
    "OUTCOME_LABELS_ZH",
    "outcome_for_sip_status",
    "outcome_for_freeswitch_cause",
    "cause_from_sip_status",
    "cause_from_freeswitch",
    "outcome_for_call",
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
    414: "INVALID_NUMBER_FORMAT",  # 28
    415: "SERVICE_NOT_IMPLEMENTED",  # 79
    416: "INTERWORKING",  # 127
    420: "INTERWORKING",  # 127
    421: "INTERWORKING",  # 127
    423: "INTERWORKING",  # 127
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
    608: "CALL_REJECTED",  # RFC 8688 "Rejected" (analytics/robocall filter)
}

#: FreeSWITCH cause -> outcome for a call that was *not* answered (an answered call is
#: always CONNECTED; see :func:`outcome_for_call`).
FREESWITCH_CAUSE_OUTCOMES: dict[str, Outcome] = {
    "NORMAL_CLEARING": Outcome.CONNECTED,
    "SUCCESS": Outcome.CONNECTED,
    "USER_BUSY": Outcome.BUSY,
    "NORMAL_CIRCUIT_CONGESTION": Outcome.NETWORK_ERROR,
    "NO_ANSWER": Outcome.NO_ANSWER,
    "NO_USER_RESPONSE": Outcome.NO_ANSWER,
    "CALL_REJECTED": Outcome.REJECTED,
    "OUTGOING_CALL_BARRED": Outcome.REJECTED,
    "INCOMING_CALL_BARRED": Outcome.REJECTED,
    "BEARERCAPABILITY_NOTAUTH": Outcome.REJECTED,
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
#: Where the operator's view of a SIP status differs from its cause's (see 408 above).
_SIP_OUTCOME_OVERRIDES: dict[int, Outcome] = {408: Outcome.NO_ANSWER}

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
    """Outcome of an unanswered INVITE that ended with ``status``."""
    _check_status(status)
    if status in SIP_STATUS_OUTCOMES:
        return SIP_STATUS_OUTCOMES[status]
    return outcome_for_freeswitch_cause(_fallback_sip_cause(status))


def outcome_for_freeswitch_cause(name: str) -> Outcome:
    """Outcome of an unanswered call that FreeSWITCH ended with cause ``name``.

    Unknown causes count as network errors: the call failed for a reason we cannot name, and
    the dialer's redial policy treats network errors as worth another try.
    """
    key = name.strip().upper()
    return FREESWITCH_CAUSE_OUTCOMES.get(key, Outcome.NETWORK_ERROR)


def outcome_for_call(cause: HangupCause, answered: bool) -> Outcome:
    """The outcome of one call: answered calls are connected whoever hung up and why."""
    if answered:
        return Outcome.CONNECTED
    sip = cause.sip_status
    if sip is not None and sip in _SIP_OUTCOME_OVERRIDES and cause.name == SIP_STATUS_TO_Q850.get(sip):
        return _SIP_OUTCOME_OVERRIDES[sip]
    return outcome_for_freeswitch_cause(cause.name)
