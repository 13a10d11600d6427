"""FreeSWITCH with ``early_media``: the originate line lets the bridge start on 183, and the
call's state machine reports Answered only at the customer's own answer, whichever of the
runtime leg and the CHANNEL_ANSWER event arrives first."""

from __future__ import annotations

from telephony.contract import Answered, EarlyMedia
from telephony.freeswitch.commands import originate_command
from telephony.freeswitch.events import FsCallState
from telephony.freeswitch.protocol import EslEvent


def _line(early: bool, endpoint: str | None = "huashu@127.0.0.1:5090") -> str:
    return originate_command(uuid="u", gateway="gw", number="1", caller_id="2", call_id="c", ring_timeout_s=20,
                             variables={}, media_endpoint=endpoint, early_media=early)


def test_originate_bridges_on_early_media_only_when_asked() -> None:
    assert "ignore_early_media=false" in _line(True)
    assert "ignore_early_media=true" in _line(False)
    assert "ignore_early_media=true" in _line(True, endpoint=None)  # parked calls: nothing to bridge to


def _ev(name: str) -> EslEvent:
    return EslEvent({"Event-Name": name, "Unique-ID": "u"})


def test_media_leg_on_183_is_not_an_answer() -> None:
    st = FsCallState(bridged=True, early_bridge=True)
    assert [type(e) for e in st.apply(_ev("CHANNEL_PROGRESS_MEDIA"))] == [EarlyMedia]
    assert st.media_up() == []  # the runtime leg is up and hears the carrier's early media
    assert not st.answered
    assert [type(e) for e in st.apply(_ev("CHANNEL_ANSWER"))] == [Answered]
    assert st.apply(_ev("CHANNEL_ANSWER")) == [] and st.media_up() == []  # once


def test_customer_answer_seen_before_the_leg_still_answers_once() -> None:
    st = FsCallState(bridged=True, early_bridge=True)
    assert st.apply(_ev("CHANNEL_ANSWER")) == []  # no media leg yet: the bot has nothing to speak on
    assert [type(e) for e in st.media_up()] == [Answered]


def test_without_early_bridge_the_leg_means_answered_as_before() -> None:
    st = FsCallState(bridged=True)
    assert [type(e) for e in st.media_up()] == [Answered]


def test_a_node_classifying_answers_bridges_early_media_on_freeswitch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from huashu.core.config import AnswerSettings, Settings
    from runtime.campaigns.drivers import build_runner

    def fs_settings(answer: AnswerSettings):  # type: ignore[no-untyped-def]
        runner = build_runner("freeswitch", lambda s, v: {}, Settings(data_dir=tmp_path, answer=answer))
        return runner.driver.settings

    assert fs_settings(AnswerSettings(enabled=True, recogniser="none")).early_media is True
    assert fs_settings(AnswerSettings()).early_media is False  # off: the bridge waits for the answer, as before
