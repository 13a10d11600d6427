"""The recogniser path of phrase spotting: a recogniser's words scored against the phrase
table by pinyin similarity, with a lead over the other labels (a fake recogniser here; the
model itself is tested in tests/speech)."""

from __future__ import annotations

import pytest

from runtime.answer.whisper_spotter import WhisperSpotter, phrase_similarity
from runtime.speech.asr_base import AsrResult
from telephony.media.answer.phrases import load_table


class _Heard:
    def __init__(self, text: str) -> None:
        self.text = text
        self.calls = 0

    def transcribe(self, pcm: bytes, hotwords: str | None = None) -> AsrResult:
        self.calls += 1
        return AsrResult(self.text, 0.5, provider="fake")


def test_homophones_score_like_the_phrase() -> None:
    assert phrase_similarity("您拨打的电话已关机", "您好，您拨打的电话已关机") > 0.8
    assert phrase_similarity("您拨打的电话已观机", "您拨打的电话已关机") > 0.9  # 观/关: same syllable
    assert phrase_similarity("喂，你好", "您拨打的电话已关机") < 0.4


@pytest.mark.parametrize(("heard", "label"), [
    ("您拨打的电话已停机", "announcement_suspended"),
    ("您拨打的号码是空号请查证后再拨", "announcement_invalid"),
    ("机主暂时无法接听您的电话", "voicemail"),
    ("the number you have dialed is not in service", "announcement_invalid"),
])
def test_the_best_phrase_and_its_lead(heard: str, label: str) -> None:
    spotter = WhisperSpotter(_Heard(heard), [load_table("zh"), load_table("en")])
    hit = spotter.score(heard)
    assert hit is not None and hit.label == label and hit.score > 0.7 and hit.margin > 0


def test_looks_once_per_stretch_of_speech_and_only_when_long_enough() -> None:
    rec = _Heard("您拨打的电话已停机")
    spotter = WhisperSpotter(rec, [load_table("zh")])
    assert spotter.spot(bytes(16000), 0.5, final=False) is None and rec.calls == 0  # 1 s: too short
    hit = spotter.spot(bytes(32000), 0.5, final=False)
    assert hit is not None and hit.label == "announcement_suspended" and "heard" in hit.phrase
    assert spotter.spot(bytes(34000), 0.5, final=False) is None and rec.calls == 1  # not again so soon
