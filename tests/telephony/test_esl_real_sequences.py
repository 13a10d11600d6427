"""Event sequences a real FreeSWITCH 1.10.12 sent for each call outcome (recorded by
tests/freeswitch/record_fixtures.py into esl_fixtures/real/), replayed through the parser and
the call state machine: the fast tests see what the switch really says, not what we imagined."""

from __future__ import annotations

from pathlib import Path

import pytest

from telephony.contract import CallEvent, DtmfReceived, HungUp
from telephony.freeswitch.events import FsCallState
from telephony.freeswitch.protocol import EslEvent, parse_event_plain
from telephony.outcomes import Outcome, outcome_for_call

pytestmark = pytest.mark.offline

REAL = Path(__file__).parent / "esl_fixtures" / "real"


def _events(name: str) -> list[EslEvent]:
    return [parse_event_plain(p.read_bytes()) for p in sorted((REAL / name).glob("*.event"))]


def _replay(name: str) -> tuple[list[CallEvent], FsCallState, list[EslEvent]]:
    """As the driver does: our leg's events only; the media leg is up when the switch's leg to
    the runtime is answered (the runtime's SIP endpoint answers the INVITE that causes it)."""
    events = _events(name)
    ours = events[0].uuid
    state = FsCallState(bridged=True)
    out: list[CallEvent] = []
    for ev in events:
        if ev.uuid == ours:
            out.extend(state.apply(ev))
        elif ev.name == "CHANNEL_ANSWER" and ev.get("Other-Leg-Unique-ID") == ours:
            out.extend(state.media_up())
    return out, state, events


def _names(events: list[CallEvent]) -> list[str]:
    return [type(e).__name__ for e in events]


@pytest.mark.parametrize(
    ("name", "names", "cause", "sip", "by", "outcome"),
    [
        ("answered_dtmf_local_hangup", ["Ringing", "Answered", "DtmfReceived", "HungUp"], "NORMAL_CLEARING", None,
         "local", Outcome.CONNECTED),
        ("busy_486", ["HungUp"], "USER_BUSY", 486, "remote", Outcome.BUSY),
        ("rejected_603", ["HungUp"], "CALL_REJECTED", 603, "remote", Outcome.REJECTED),
        ("ring_timeout_cancel", ["Ringing", "HungUp"], "ORIGINATOR_CANCEL", None, "local", Outcome.CANCELLED),
        ("early_media_then_answer", ["EarlyMedia", "Answered", "HungUp"], "NORMAL_CLEARING", None,
         "local", Outcome.CONNECTED),
        ("gateway_unreachable_503", ["HungUp"], "NORMAL_TEMPORARY_FAILURE", 503, "network", Outcome.NETWORK_ERROR),
    ],
)
def test_real_sequence(name: str, names: list[str], cause: str, sip: int | None, by: str, outcome: Outcome) -> None:
    out, state, _ = _replay(name)
    assert _names(out) == names
    hung = out[-1]
    assert isinstance(hung, HungUp)
    assert (hung.cause.name, hung.cause.sip_status, hung.by) == (cause, sip, by)
    assert outcome_for_call(hung.cause, state.answered) is outcome


def test_real_dtmf_is_the_customer_key_once() -> None:
    out, _, events = _replay("answered_dtmf_local_hangup")
    assert [e.digit for e in out if isinstance(e, DtmfReceived)] == ["1"]
    assert sum(1 for e in events if e.name == "DTMF") == 1  # the switch reports it on the customer leg only


def test_real_failed_bridge_never_answers() -> None:
    out, state, events = _replay("bridge_to_runtime_fails")
    assert _names(out) == ["Ringing", "HungUp"] and state.customer_answered and not state.answered
    hung = out[-1]
    assert isinstance(hung, HungUp) and hung.by == "network" and hung.cause.name == "NORMAL_TEMPORARY_FAILURE"
    leg = [e for e in events if e.uuid != events[0].uuid and e.name == "CHANNEL_HANGUP_COMPLETE"]
    assert leg and leg[0].var("sip_term_status") == "503"  # the leg to the runtime was refused


def test_real_background_job_results() -> None:
    jobs = {n: [e for e in _events(n) if e.name == "BACKGROUND_JOB"] for n in ("busy_486", "answered_dtmf_local_hangup")}
    assert jobs["busy_486"][0].body.strip() == "-ERR USER_BUSY"
    assert jobs["answered_dtmf_local_hangup"][0].body.startswith("+OK ")


def test_real_rtp_ports_of_switch_and_runtime_do_not_overlap() -> None:
    """The switch (deploy files) took its RTP ports from 16384-19998, the runtime's leg from 20000-30000."""
    from huashu.core.telephony_settings import FreeswitchSettings

    s = FreeswitchSettings()
    hangups = [e for e in _events("answered_dtmf_local_hangup") if e.name == "CHANNEL_HANGUP_COMPLETE"]
    for ev in hangups:
        assert s.switch_rtp_port_min <= int(ev.var("local_media_port")) <= s.switch_rtp_port_max
    runtime_leg = [e for e in hangups if e.uuid != _events("answered_dtmf_local_hangup")[0].uuid]
    assert s.media_rtp_port_min <= int(runtime_leg[0].var("remote_media_port")) < s.media_rtp_port_max
