"""Pure parts of the FreeSWITCH driver: the originate line, event mapping, CPS pacing."""

from __future__ import annotations

from pathlib import Path

import pytest

from telephony.contract import Answered, DtmfReceived, EarlyMedia, HungUp, Ringing
from telephony.freeswitch.commands import CommandError, channel_vars, originate_command
from telephony.freeswitch.events import FsCallState
from telephony.freeswitch.limits import CpsPacer
from telephony.freeswitch.protocol import parse_event_plain
from telephony.outcomes import Outcome, outcome_for_call

pytestmark = pytest.mark.offline

FIXTURES = Path(__file__).resolve().parent / "esl_fixtures"


def ev(name: str):  # type: ignore[no-untyped-def]
    return parse_event_plain((FIXTURES / name).read_bytes())


def test_originate_line_bridges_to_the_runtime_endpoint() -> None:
    line = originate_command(
        uuid="u-1", gateway="carrier", number="13800000000", caller_id="95500", call_id="call-42",
        ring_timeout_s=30, variables={"campaign_id": "7"}, media_endpoint="huashu@10.0.0.5:5080",
    )
    assert line == (
        "originate {origination_uuid=u-1,huashu_call_id=call-42,huashu_campaign_id=7,"
        "origination_caller_id_number=95500,origination_caller_id_name=95500,originate_timeout=35,"
        "ignore_early_media=true,hangup_after_bridge=true}sofia/gateway/carrier/13800000000 "
        "&bridge([sip_h_X-Huashu-Call-Id=call-42]sofia/external/huashu@10.0.0.5:5080)"
    )


def test_originate_without_media_parks() -> None:
    line = originate_command(
        uuid="u", gateway="gw", number="1", caller_id="2", call_id="c", ring_timeout_s=1,
        variables={}, media_endpoint=None,
    )
    assert line.endswith("sofia/gateway/gw/1 &park()")


def test_channel_values_are_escaped_or_refused() -> None:
    assert channel_vars({"a": "x,y", "b": "two words"}) == "{a=x\\,y,b='two words'}"
    with pytest.raises(CommandError, match="contains"):
        channel_vars({"a": "x}y"})
    with pytest.raises(CommandError, match="name"):
        channel_vars({"a-b": "1"})
    with pytest.raises(CommandError, match="number"):
        originate_command(uuid="u", gateway="gw", number="1 &api", caller_id="2", call_id="c",
                          ring_timeout_s=1, variables={}, media_endpoint=None)


def test_answered_call_events_in_order_once_each() -> None:
    state = FsCallState()
    out = []
    for name in ("channel_create.event", "channel_progress.event", "channel_progress.event",
                 "channel_progress_media.event", "channel_answer.event", "channel_answer.event",
                 "record_start.event", "dtmf.event", "channel_hangup_complete.event", "dtmf.event"):
        out += state.apply(ev(name))
    assert [type(e) for e in out] == [Ringing, EarlyMedia, Answered, DtmfReceived, HungUp]
    assert out[3] == DtmfReceived("1")
    assert state.recording_path == "/var/lib/freeswitch/recordings/huashu/call-42.wav"
    hung = out[-1]
    assert isinstance(hung, HungUp) and hung.by == "remote"
    assert (hung.cause.name, hung.cause.q850, hung.cause.sip_status) == ("NORMAL_CLEARING", 16, 200)
    assert outcome_for_call(hung.cause, state.answered) is Outcome.CONNECTED


def test_busy_hangup_maps_to_busy_by_remote() -> None:
    state = FsCallState()
    (hung,) = state.apply(ev("channel_hangup_complete_busy.event"))
    assert isinstance(hung, HungUp) and hung.by == "remote" and hung.cause.sip_status == 486
    assert outcome_for_call(hung.cause, answered=False) is Outcome.BUSY


def _refused(cause: str, q850: str, status: str | None) -> str:
    body = (FIXTURES / "channel_hangup_complete_busy.event").read_text()
    body = body.replace("USER_BUSY", cause).replace("cause_q850: 17", f"cause_q850: {q850}")
    term = "variable_sip_term_status: 486\n"
    return body.replace(term, f"variable_sip_term_status: {status}\n" if status else "")


@pytest.mark.parametrize("status", ["604", "485"])
def test_dead_number_is_invalid_like_on_the_sip_driver(status: str) -> None:
    # sofia_glue_sip_cause_to_freeswitch() turns 604/485 into NO_ROUTE_DESTINATION; the SIP
    # driver calls them UNALLOCATED_NUMBER. With sip_term_status known, both are 空号.
    (hung,) = FsCallState().apply(parse_event_plain(_refused("NO_ROUTE_DESTINATION", "3", status).encode()))
    assert isinstance(hung, HungUp) and hung.cause.name == "NO_ROUTE_DESTINATION" and hung.cause.sip_status == int(status)
    assert outcome_for_call(hung.cause, answered=False) is Outcome.INVALID_NUMBER


def test_bye_during_early_media_is_no_answer() -> None:
    # The carrier plays an announcement as early media and then sends BYE: NORMAL_CLEARING,
    # sip_term_status 200 (the BYE's), never answered.
    state = FsCallState()
    state.apply(ev("channel_progress_media.event"))
    body = (FIXTURES / "channel_hangup_complete.event").read_text()
    (hung,) = state.apply(parse_event_plain(body.encode()))
    assert isinstance(hung, HungUp) and hung.cause.name == "NORMAL_CLEARING" and hung.cause.sip_status == 200
    assert not state.answered and outcome_for_call(hung.cause, state.answered) is Outcome.NO_ANSWER


def test_originate_job_error_alone_keeps_no_sip_status() -> None:
    # "-ERR RECOVERY_ON_TIMER_EXPIRE" with no CHANNEL_HANGUP_COMPLETE: no SIP status was seen,
    # so the outcome is the cause's (network_error), as for the same hangup event without
    # sip_term_status, not the 408 row's no_answer.
    from telephony.freeswitch import FreeswitchDriver, FreeswitchSettings
    from telephony.freeswitch.call import FsCall
    from telephony.freeswitch.protocol import EslEvent

    driver = FreeswitchDriver(FreeswitchSettings())
    call = FsCall("c-1", "u-1", driver)
    driver._jobs["job-1"] = call
    driver._on_job(EslEvent({"Event-Name": "BACKGROUND_JOB", "Job-UUID": "job-1"}, "-ERR RECOVERY_ON_TIMER_EXPIRE\n"))
    assert call.state.ended and call.outcome is Outcome.NETWORK_ERROR


def test_pacer_spaces_starts_evenly() -> None:
    now = [100.0]
    pacer = CpsPacer(4, now=lambda: now[0])
    assert [pacer.book() for _ in range(4)] == [0.0, 0.25, 0.5, 0.75]
    now[0] = 102.0  # idle: no debt carried over
    assert pacer.book() == 0.0
    assert CpsPacer(None).book() == 0.0
    with pytest.raises(ValueError):
        CpsPacer(0)


def test_timer_expiry_without_a_sip_status_is_a_network_error() -> None:
    body = (FIXTURES / "channel_hangup_complete_busy.event").read_text()
    body = body.replace("USER_BUSY", "RECOVERY_ON_TIMER_EXPIRE").replace("variable_sip_term_status: 486\n", "")
    body = body.replace("recv_refuse", "send_cancel")
    (hung,) = FsCallState().apply(parse_event_plain(body.encode()))
    assert isinstance(hung, HungUp) and hung.cause.sip_status is None and hung.by == "network"
    assert outcome_for_call(hung.cause, answered=False) is Outcome.NETWORK_ERROR
