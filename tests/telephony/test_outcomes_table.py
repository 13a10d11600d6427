"""The SIP status and FreeSWITCH cause tables, row by row, against the outcomes operators see.

mod_sofia's own mapping (``sofia_glue_sip_cause_to_freeswitch()``,
``src/mod/endpoints/mod_sofia/sofia_glue.c`` lines 1813-1886 at signalwire/freeswitch
cc93a683) is transcribed in ``telephony.outcomes.SOFIA_SIP_STATUS_CAUSES``;
``test_sofia_table_as_transcribed`` pins every row of it here, so a change to either is seen.
"""

from __future__ import annotations

import pytest

from telephony.outcomes import (
    FREESWITCH_CAUSE_OUTCOMES,
    OUTCOME_LABELS_ZH,
    Q850_NAMES,
    SIP_STATUS_TO_Q850,
    SOFIA_SIP_STATUS_CAUSES,
    HangupCause,
    Outcome,
    cause_from_freeswitch,
    cause_from_sip_status,
    outcome_for_call,
    outcome_for_freeswitch_cause,
    outcome_for_sip_status,
)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (404, Outcome.INVALID_NUMBER),
        (604, Outcome.INVALID_NUMBER),
        (484, Outcome.INVALID_NUMBER),
        (410, Outcome.INVALID_NUMBER),
        (486, Outcome.BUSY),
        (600, Outcome.BUSY),
        (480, Outcome.NO_ANSWER),
        (408, Outcome.NO_ANSWER),
        (603, Outcome.REJECTED),
        (403, Outcome.REJECTED),
        (487, Outcome.CANCELLED),
        (500, Outcome.NETWORK_ERROR),
        (502, Outcome.NETWORK_ERROR),
        (503, Outcome.NETWORK_ERROR),
        (504, Outcome.NETWORK_ERROR),
        (200, Outcome.CONNECTED),
    ],
)
def test_sip_status_outcomes(status: int, outcome: Outcome) -> None:
    assert outcome_for_sip_status(status) is outcome


@pytest.mark.parametrize(
    ("cause", "outcome"),
    [
        ("USER_BUSY", Outcome.BUSY),
        ("NO_ANSWER", Outcome.NO_ANSWER),
        ("NO_USER_RESPONSE", Outcome.NO_ANSWER),
        ("CALL_REJECTED", Outcome.REJECTED),
        ("UNALLOCATED_NUMBER", Outcome.INVALID_NUMBER),
        ("INVALID_NUMBER_FORMAT", Outcome.INVALID_NUMBER),
        ("SUBSCRIBER_ABSENT", Outcome.UNREACHABLE),
        ("USER_NOT_REGISTERED", Outcome.UNREACHABLE),
        ("NO_ROUTE_DESTINATION", Outcome.UNREACHABLE),
        ("ORIGINATOR_CANCEL", Outcome.CANCELLED),
        ("NORMAL_TEMPORARY_FAILURE", Outcome.NETWORK_ERROR),
        ("RECOVERY_ON_TIMER_EXPIRE", Outcome.NETWORK_ERROR),
        ("DESTINATION_OUT_OF_ORDER", Outcome.NETWORK_ERROR),
        ("user_busy", Outcome.BUSY),  # header values are matched case-insensitively
        ("SOMETHING_NEW", Outcome.NETWORK_ERROR),  # unknown: worth a redial, never silently "connected"
    ],
)
def test_freeswitch_cause_outcomes(cause: str, outcome: Outcome) -> None:
    assert outcome_for_freeswitch_cause(cause) is outcome


def test_sip_cause_carries_q850_and_status() -> None:
    c = cause_from_sip_status(486)
    assert c == HangupCause("USER_BUSY", 17, 486)
    assert cause_from_sip_status(404).q850 == 1
    assert cause_from_sip_status(487).name == "ORIGINATOR_CANCEL"


def test_reason_header_q850_overrides_the_status() -> None:
    # 480 with "Reason: Q.850;cause=20" is a phone that is switched off, not one nobody picked up.
    plain = cause_from_sip_status(480)
    off = cause_from_sip_status(480, reason_q850=20)
    assert plain.name == "NO_USER_RESPONSE"
    assert off.name == "SUBSCRIBER_ABSENT" and off.sip_status == 480
    assert outcome_for_call(off, answered=False) is Outcome.UNREACHABLE
    assert outcome_for_call(plain, answered=False) is Outcome.NO_ANSWER


def test_408_is_no_answer_but_keeps_its_standard_cause() -> None:
    c = cause_from_sip_status(408)
    assert c.name == "RECOVERY_ON_TIMER_EXPIRE"
    assert outcome_for_call(c, answered=False) is Outcome.NO_ANSWER
    assert outcome_for_freeswitch_cause(c.name) is Outcome.NETWORK_ERROR  # the same cause from FreeSWITCH


def test_unlisted_statuses_fall_back_by_class() -> None:
    assert outcome_for_sip_status(499) is Outcome.REJECTED
    assert outcome_for_sip_status(599) is Outcome.NETWORK_ERROR
    assert outcome_for_sip_status(699) is Outcome.REJECTED
    assert cause_from_sip_status(599).name == "NORMAL_TEMPORARY_FAILURE"


@pytest.mark.parametrize("bad", [0, 99, 700, -1])
def test_bad_status_is_rejected(bad: int) -> None:
    with pytest.raises(ValueError, match="SIP status"):
        cause_from_sip_status(bad)
    with pytest.raises(ValueError, match="SIP status"):
        outcome_for_sip_status(bad)


def test_answered_calls_are_connected_whatever_the_cause() -> None:
    for name in ("NORMAL_CLEARING", "USER_BUSY", "MEDIA_TIMEOUT"):
        assert outcome_for_call(cause_from_freeswitch(name), answered=True) is Outcome.CONNECTED


def test_tables_are_consistent() -> None:
    # Every SIP row names a cause the FreeSWITCH table knows, and every outcome has a label.
    missing = {name for name in SIP_STATUS_TO_Q850.values() if name not in FREESWITCH_CAUSE_OUTCOMES}
    assert not missing
    assert set(OUTCOME_LABELS_ZH) == set(Outcome)
    assert cause_from_freeswitch(" no_answer ").name == "NO_ANSWER"
    with pytest.raises(ValueError):
        cause_from_freeswitch("  ")
    assert cause_from_freeswitch("USER_BUSY").sip_status == 486


# sofia_glue.c (cc93a683) lines 1816-1884, case by case: the status groups and the cause each returns.
SOFIA_CASES = [
    ((200,), "NORMAL_CLEARING"),
    ((401, 402, 403, 407, 603, 608), "CALL_REJECTED"),
    ((607,), "UNWANTED"),
    ((404,), "UNALLOCATED_NUMBER"),
    ((485, 604), "NO_ROUTE_DESTINATION"),
    ((408, 504), "RECOVERY_ON_TIMER_EXPIRE"),
    ((410,), "NUMBER_CHANGED"),
    ((413, 414, 416, 420, 421, 423, 505, 513), "INTERWORKING"),
    ((480,), "NO_USER_RESPONSE"),
    ((400, 481, 500, 503), "NORMAL_TEMPORARY_FAILURE"),
    ((486, 600), "USER_BUSY"),
    ((484,), "INVALID_NUMBER_FORMAT"),
    ((488, 606), "INCOMPATIBLE_DESTINATION"),
    ((502,), "NETWORK_OUT_OF_ORDER"),
    ((405,), "SERVICE_UNAVAILABLE"),
    ((406, 415, 501), "SERVICE_NOT_IMPLEMENTED"),
    ((482, 483), "EXCHANGE_ROUTING_ERROR"),
    ((487,), "ORIGINATOR_CANCEL"),
    ((428,), "NO_IDENTITY"),
    ((429,), "BAD_IDENTITY_INFO"),
    ((437,), "UNSUPPORTED_CERTIFICATE"),
    ((438,), "INVALID_IDENTITY"),
]


def test_sofia_table_as_transcribed() -> None:
    expected = {status: cause for statuses, cause in SOFIA_CASES for status in statuses}
    assert expected == SOFIA_SIP_STATUS_CAUSES


def test_our_sip_table_differs_from_sofia_only_where_rfc_3398_is_more_exact() -> None:
    differ = {s: (SIP_STATUS_TO_Q850.get(s), c) for s, c in SOFIA_SIP_STATUS_CAUSES.items() if SIP_STATUS_TO_Q850.get(s) != c}
    assert differ == {485: ("UNALLOCATED_NUMBER", "NO_ROUTE_DESTINATION"), 604: ("UNALLOCATED_NUMBER", "NO_ROUTE_DESTINATION")}
    assert SIP_STATUS_TO_Q850[414] == "INTERWORKING"  # RFC 3398 8.2.6.1: 414 -> 127, as sofia


@pytest.mark.parametrize("status", sorted(s for s in SOFIA_SIP_STATUS_CAUSES if s >= 300))  # 200 answers
def test_same_carrier_answer_same_outcome_on_sip_and_freeswitch(status: int) -> None:
    # The SIP driver: cause_from_sip_status(status). FreeSWITCH: Hangup-Cause from sofia's
    # table plus variable_sip_term_status (what FsCallState.hangup builds).
    sip = outcome_for_call(cause_from_sip_status(status), answered=False)
    name = SOFIA_SIP_STATUS_CAUSES[status]
    fs = outcome_for_call(HangupCause(name, Q850_NAMES.get(name), status), answered=False)
    assert fs is sip is outcome_for_sip_status(status)


@pytest.mark.parametrize("status", [404, 604, 485])
def test_a_dead_number_is_invalid_on_both_drivers(status: int) -> None:
    # 空号: sofia names 604/485 NO_ROUTE_DESTINATION ("unreachable" as a bare cause); with the
    # SIP status known, the SIP table decides.
    fs_cause = HangupCause(SOFIA_SIP_STATUS_CAUSES[status], None, status)
    assert outcome_for_call(fs_cause, answered=False) is Outcome.INVALID_NUMBER
    assert outcome_for_call(cause_from_sip_status(status), answered=False) is Outcome.INVALID_NUMBER
    # Without a SIP status (e.g. only the originate job's "-ERR NO_ROUTE_DESTINATION") the cause decides.
    assert outcome_for_call(HangupCause("NO_ROUTE_DESTINATION", 3, None), answered=False) is Outcome.UNREACHABLE


def test_a_reason_header_still_refines_the_status_on_freeswitch() -> None:
    # 480 + "Reason: Q.850;cause=20": sofia's cause is SUBSCRIBER_ABSENT (the Reason wins over
    # the status, sofia.c 8731), the SIP driver's too; both are unreachable, not no_answer.
    fs = HangupCause("SUBSCRIBER_ABSENT", 20, 480)
    assert outcome_for_call(fs, answered=False) is Outcome.UNREACHABLE
    assert outcome_for_call(cause_from_sip_status(480, reason_q850=20), answered=False) is Outcome.UNREACHABLE


def test_unanswered_normal_clearing_is_no_answer_never_connected() -> None:
    # A BYE during early media (carrier announcement): FreeSWITCH says NORMAL_CLEARING with
    # sip_term_status 200 (the BYE's status); the SIP driver says NORMAL_CLEARING, no status.
    assert outcome_for_call(cause_from_freeswitch("NORMAL_CLEARING"), answered=False) is Outcome.NO_ANSWER
    assert outcome_for_call(HangupCause("NORMAL_CLEARING", 16, 200), answered=False) is Outcome.NO_ANSWER
    assert outcome_for_call(HangupCause("NORMAL_CLEARING", 16, None), answered=False) is Outcome.NO_ANSWER
    assert outcome_for_freeswitch_cause("SUCCESS") is Outcome.NO_ANSWER


def test_no_unanswered_call_is_ever_connected() -> None:
    statuses = [None, *range(200, 700)]
    names = [*Q850_NAMES, *FREESWITCH_CAUSE_OUTCOMES, "SOMETHING_NEW"]
    for name in names:
        for status in statuses:
            assert outcome_for_call(HangupCause(name, None, status), answered=False) is not Outcome.CONNECTED, (name, status)
    assert Outcome.CONNECTED not in FREESWITCH_CAUSE_OUTCOMES.values()
