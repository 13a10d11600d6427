"""A machine's greeting shorter than a person's longest first words ("Please leave a message
after the tone", < 1.9 s, no cue tone) is looked at once when it ends, and is a machine only
if it matches a greeting clearly (margin 0.2; people's first words measured <= 0.13), so no
person is hung up on."""

from __future__ import annotations

import random

import pytest

from runtime.answer.clips import EVAL_VOICES, HUMAN_FIRST_WORDS
from runtime.answer.references import default_spotter
from runtime.speech.tts_espeak import EspeakProvider
from telephony.media.answer.classes import MACHINE_CLASSES, AnswerClass, Phase
from telephony.media.answer.detector import classify_pcm
from telephony.simulator import sounds as S

pytestmark = pytest.mark.audio


def _answered(text: str, voice: str, rate: float, seed: int = 1) -> bytes:
    words = S.trim_edges(EspeakProvider().render(text, voice=voice, rate=rate).pcm)
    pcm = S.concat(S.gap(0.3), words, S.gap(3.0))
    return S.through_g711(S.add_noise(pcm, random.Random(seed), 30.0))


@pytest.mark.parametrize(("text", "label"), [
    ("Please leave a message after the tone", AnswerClass.VOICEMAIL),
    ("Please say your name and why you are calling", AnswerClass.SCREENING),
])
def test_a_short_greeting_that_matches_clearly_is_the_machine(text: str, label: AnswerClass) -> None:
    pcm = _answered(text, "en-gb+m6", 1.15)
    d = classify_pcm(pcm, Phase.ANSWERED, default_spotter())
    assert d.label is label, d
    assert d.reason.startswith("a short greeting matched clearly")
    assert d.decided_at_s < 3.0


def test_no_person_s_first_words_are_taken_for_a_machine() -> None:
    sp = default_spotter()
    for lang, words in HUMAN_FIRST_WORDS.items():
        for i, text in enumerate(words):
            for voice in EVAL_VOICES[lang]:
                for rate in (0.9, 1.3):
                    d = classify_pcm(_answered(text, voice, rate, seed=i), Phase.ANSWERED, sp)
                    assert d.label not in MACHINE_CLASSES, (text, voice, rate, d)
