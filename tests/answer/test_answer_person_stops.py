"""Issue 21: a person whose first words open like a machine's (对不起，我现在不方便 / 您好，请问您是哪里,
~2.6-2.9 s of speech at x0.9: longer than ``machine_min_speech_s``) stops and waits for an
answer; a greeting goes on. After answer, with no cue and no clear phrase, ~2.8 s of speech
then quiet is a person; the same words running on into more speech are a machine."""

from __future__ import annotations

import random

import pytest

from runtime.answer.clips import OPENS_LIKE_A_MACHINE
from runtime.answer.references import default_spotter
from runtime.speech.tts_espeak import EspeakProvider
from telephony.media.answer.classes import MACHINE_CLASSES, AnswerClass, Phase
from telephony.media.answer.classifier import Thresholds
from telephony.media.answer.detector import classify_pcm
from telephony.simulator import sounds as S

pytestmark = pytest.mark.audio

_VOICE, _RATE = "cmn-latn-pinyin+f3", 0.9  # an evaluation voice (not a reference one) at the slow speed


def _words(text: str) -> bytes:
    return S.trim_edges(EspeakProvider().render(text, voice=_VOICE, rate=_RATE).pcm)


def _line(*parts: bytes) -> bytes:
    return S.through_g711(S.add_noise(S.concat(S.gap(0.3), *parts), random.Random(1), 30.0))


@pytest.mark.parametrize("text", ["对不起，我现在不方便", "您好，请问您是哪里"])
def test_speech_a_little_longer_than_a_machine_s_then_quiet_is_a_person(text: str) -> None:
    assert text in OPENS_LIKE_A_MACHINE
    th = Thresholds()
    words = _words(text)
    assert th.machine_min_speech_s < len(words) / 16000 < th.person_max_speech_s  # ~2.8 s: the case at issue
    d = classify_pcm(_line(words, S.gap(3.5)), Phase.ANSWERED, default_spotter())
    assert d.label is AnswerClass.HUMAN, d
    assert d.reason.startswith("a first utterance matching no greeting"), d.reason
    assert d.decided_at_s <= th.max_decision_answered_s + th.person_wait_s


@pytest.mark.parametrize("text", ["对不起，我现在不方便", "您好，请问您是哪里"])
def test_the_same_words_running_on_are_a_machine(text: str) -> None:
    more = _words("请在提示音后留言，我会尽快给您回电")
    d = classify_pcm(_line(_words(text), S.gap(0.2), more, S.gap(2.0)), Phase.ANSWERED, default_spotter())
    assert d.label in MACHINE_CLASSES, d
