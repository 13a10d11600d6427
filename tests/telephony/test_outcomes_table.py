"""The SIP status and FreeSWITCH cause tables, row by row, against the outcomes operators see."""

from __future__ import annotations

import pytest

from telephony.outcomes import (
    FREESWITCH_CAUSE_OUTCOMES,
    OUTCOME_LABELS_ZH,
    SIP_STATUS_TO_Q850,
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
