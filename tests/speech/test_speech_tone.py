"""Tones are not speech: ringback, busy, DTMF, SIT and fax tones are rejected before ASR words are trusted.

webrtcvad passes tones as speech, and vosk's free mode made words of a 1 s tone with high
confidence; runtime.speech.rejection.ToneDetector is the rule (see its module docstring).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from runtime.speech.asr_base import AsrResult
from runtime.speech.asr_http import HttpAsrStream
from runtime.speech.asr_whisper import WhisperStream
from runtime.speech.rejection import FREE_POLICY, ToneDetector, verdict
from telephony.media.audio import frames, silence
from telephony.media.g711 import ulaw_decode, ulaw_encode

RATE = 8000


def _pcm(x: np.ndarray) -> bytes:
    return ulaw_decode(ulaw_encode(np.clip(np.round(x), -32768, 32767).astype("<i2").tobytes()))  # as a line delivers it


def tone(*hz: float, seconds: float = 1.0, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return sum(level / len(hz) * 32767 * np.sin(2 * np.pi * f * t) for f in hz)  # type: ignore[return-value]


def detect(pcm: bytes) -> str | None:
    d = ToneDetector()
    for f in frames(pcm):  # 20 ms at a time, as a stream gets it
        d.add(f)
    return d.reason()


@pytest.mark.parametrize(
    ("name", "signal"),
    [
        ("440 Hz", tone(440)),
        ("450 Hz, China's ringback and busy tone", tone(450)),
        ("1000 Hz", tone(1000)),
        ("1100 Hz fax CNG", tone(1100)),
        ("2100 Hz fax CED", tone(2100)),
        ("DTMF 1", tone(697, 1209)),
        ("US ringback", tone(440, 480)),
        ("SIT", np.concatenate([tone(950, seconds=0.33), tone(1400, seconds=0.33), tone(1800, seconds=0.34)])),
        ("450 Hz with noise 10 dB down",
         tone(450) + np.random.default_rng(0).normal(0, 0.3 * 32767 / np.sqrt(2) / 10 ** 0.5, RATE)),
    ],
)
def test_tones_are_not_speech(name: str, signal: np.ndarray) -> None:
    reason = detect(silence(200) + _pcm(signal) + silence(200))
    assert reason is not None and reason.startswith("not speech: a steady tone near"), name


def test_the_reason_names_the_tone() -> None:
    assert detect(_pcm(tone(450))) == (
        "not speech: a steady tone near 453 Hz in 100% of the audio (ringback, busy, DTMF or fax tone)"
    )


def test_no_verdict_on_too_little_or_too_quiet_audio_or_noise() -> None:
    assert detect(_pcm(tone(450, seconds=0.15))) is None  # too short to tell
    assert detect(_pcm(tone(450, level=0.005))) is None  # below -40 dBFS: not judged
    assert detect(silence(1000)) is None
    # White noise is not a tone; noise is left to the recogniser's own confidence.
    assert detect(_pcm(np.random.default_rng(1).normal(0, 3000, RATE))) is None


def test_verdict_rejects_words_found_in_a_tone() -> None:
    assert verdict("네", [1.0], FREE_POLICY, non_speech="not speech: x") == (True, "not speech: x")
    assert verdict("네", [1.0], FREE_POLICY, non_speech=None) == (False, "")
    assert verdict("", [], FREE_POLICY, non_speech="not speech: x") == (True, "nothing recognised")


@pytest.mark.audio
@pytest.mark.parametrize(
    ("text", "voice"),
    [("네", "ko"), ("아니요", "ko"), ("아아아아아아", "ko"), ("음음음음", "ko"), ("안녕하세요 반갑습니다", "ko"),
     ("hao3 de5", "cmn-latn-pinyin"), ("a1 a1 a1 a1", "cmn-latn-pinyin"), ("ng2", "cmn-latn-pinyin"),
     ("yes", "en"), ("oooooh", "en"), ("mmmmmm", "en"), ("no", "en")],
)
def test_espeak_speech_hums_and_held_vowels_are_speech(espeak_8k, text: str, voice: str) -> None:
    pcm = ulaw_decode(ulaw_encode(espeak_8k(text, voice)))
    assert detect(silence(200) + pcm + silence(200)) is None


@pytest.mark.audio
def test_natural_voice_is_speech(piper) -> None:
    for text in ["Yes.", "No, thank you.", "Hmm.", "Oh.", "Ooooh, I see.", "Okay, I already paid that bill last week."]:
        assert detect(ulaw_decode(ulaw_encode(piper.render(text).pcm))) is None, text


@pytest.mark.audio
@pytest.mark.parametrize("hz", [440, 450])
def test_vosk_free_mode_rejects_a_one_second_tone(vosk_ko, hz: int) -> None:
    from runtime.speech.asr import recognise

    pcm = silence(200) + _pcm(tone(hz)) + silence(200)
    free = recognise(vosk_ko, pcm)
    assert free.text  # vosk still finds words in it (440 Hz: "올 예요", 450 Hz: "흑 [4]", 0.67-0.88)
    assert free.rejected and free.reason.startswith("not speech: a steady tone")
    assert free.dialog_confidence == 0.0
    grammar = recognise(vosk_ko, pcm, ["네", "아니요"], grammar=True)
    assert grammar.rejected and grammar.dialog_confidence == 0.0


class _MustNotDecode:
    name = "stub"

    def transcribe(self, pcm8k: bytes, *args: Any) -> AsrResult:
        raise AssertionError("a tone was sent to the recogniser")


@pytest.mark.parametrize("stream_cls", [WhisperStream, HttpAsrStream])
def test_whole_utterance_recognisers_are_not_asked_about_a_tone(stream_cls: Any) -> None:
    stream = stream_cls(_MustNotDecode(), None)
    for f in frames(_pcm(tone(450))):
        stream.accept(f)
    result = stream.finish()
    assert result.rejected and result.reason.startswith("not speech") and result.audio_ms == 1000
    assert result.provider == "stub"
