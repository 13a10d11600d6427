"""Whether to trust a recognition: pure rules with named thresholds.

A grammar forces every sound onto grammar words, and the Korean vosk model has no ``[unk]``
to absorb the rest, so out-of-grammar speech comes back as grammar words — often with full
confidence. Two rules catch it: the words must form exactly one of the expected phrases
(vosk's grammar lets words recombine: "감사합니다" came back as "네 아니요 네"), and the
mean / weakest word confidence must pass a threshold. Measured on espeak Korean through
G.711 (tests/speech/test_speech_vosk.py): no out-of-grammar utterance accepted; in-grammar
single words accepted; longer in-grammar phrases are sometimes rejected, because espeak's
Korean is hard to recognise even without a grammar. A rejection becomes ``no_match``.

Tones are not speech. webrtcvad passes a pure tone, a dual tone and white noise as speech
(every frame, measured), and vosk then finds words in them with full confidence: a 450 Hz
tone (China's ringback and busy tone) came back as "흑" at 0.88, a 440 Hz one as "올 예요".
:class:`ToneDetector` watches the audio a stream is given and rejects a turn whose audio is a
steady tone: in at least 80 % of its 64 ms windows (those above -40 dBFS; at least 5 of them)
the two strongest spectral peaks hold 90 % of the energy. Call-progress tones, DTMF, SIT and
fax tones meet that in every window, even with noise 10 dB below the tone; speech does not
come close: 0 % of windows for espeak Korean, Chinese and English (hums and held vowels
included), at most 19 % for piper's natural English voice (``tests/speech/test_speech_tone.py``).
Noise is left alone: white noise is spectrally flat (flatness ~0.57 against 0.02-0.08 for
speech), but phone-line noise is rarely white and speech in loud noise gets flatter too, so
there is no threshold that rejects noise without rejecting noisy callers.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["RejectionPolicy", "GRAMMAR_POLICY", "FREE_POLICY", "verdict", "ToneDetector"]

TONE_WINDOW = 512  # samples at 8 kHz: 64 ms, 15.6 Hz bins (a Hann window's main lobe: +-2 bins)
TONE_HOP = 256
TONE_MIN_RMS = 300.0  # -40 dBFS: quieter windows (pauses, line noise) are not judged
TONE_PEAK_SHARE = 0.9  # a tonal window: the two strongest peaks (+-2 bins each) hold 90 % of the energy
TONE_WINDOW_SHARE = 0.8  # a tone: 80 % of the judged windows are tonal
TONE_MIN_WINDOWS = 5  # ~190 ms of audio above the level before anything is said


@dataclass(frozen=True, slots=True)
class RejectionPolicy:
    min_mean_confidence: float
    min_word_confidence: float
    whole_phrase: bool = False  # the words must equal one expected phrase


GRAMMAR_POLICY = RejectionPolicy(min_mean_confidence=0.7, min_word_confidence=0.5, whole_phrase=True)
FREE_POLICY = RejectionPolicy(min_mean_confidence=0.5, min_word_confidence=0.0)


def verdict(
    text: str,
    confidences: Sequence[float],
    policy: RejectionPolicy,
    phrases: Collection[str] = (),
    non_speech: str | None = None,
) -> tuple[bool, str]:
    """(rejected, reason). Empty text is always rejected: nothing was understood.
    ``non_speech`` (from :meth:`ToneDetector.reason`) rejects whatever the words."""
    if not text.strip() or not confidences:
        return True, "nothing recognised"
    if non_speech:
        return True, non_speech
    if policy.whole_phrase and phrases and " ".join(text.split()) not in phrases:
        return True, "words do not form one expected phrase (forced onto the grammar)"
    mean = sum(confidences) / len(confidences)
    if mean < policy.min_mean_confidence:
        return True, f"mean confidence {mean:.2f} < {policy.min_mean_confidence:.2f}"
    weakest = min(confidences)
    if weakest < policy.min_word_confidence:
        return True, f"a word has confidence {weakest:.2f} < {policy.min_word_confidence:.2f}"
    return False, ""


class ToneDetector:
    """Feed it the 8 kHz 16-bit PCM a recogniser gets; :meth:`reason` says whether it was a tone."""

    def __init__(self) -> None:
        self._buf = np.zeros(0, dtype=np.float64)
        self._window = np.hanning(TONE_WINDOW)
        self.windows = 0  # judged (loud enough)
        self.tonal = 0
        self._peak_hz: list[float] = []

    def add(self, pcm: bytes) -> None:
        x = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(np.float64)
        self._buf = np.concatenate((self._buf, x))
        while self._buf.size >= TONE_WINDOW:
            self._judge(self._buf[:TONE_WINDOW])
            self._buf = self._buf[TONE_HOP:]

    def _judge(self, seg: np.ndarray) -> None:
        if float(np.sqrt(np.mean(seg * seg))) < TONE_MIN_RMS:
            return
        power = np.abs(np.fft.rfft(seg * self._window)) ** 2
        total = float(power.sum())
        if total <= 0.0:
            return
        self.windows += 1
        strongest = int(np.argmax(power))
        rest = power.copy()
        held = 0.0
        for _ in range(2):  # the two strongest peaks: one tone, or a dual tone (DTMF, US ringback)
            k = int(np.argmax(rest))
            lo, hi = max(0, k - 2), k + 3
            held += float(rest[lo:hi].sum())
            rest[lo:hi] = 0.0
        if held >= TONE_PEAK_SHARE * total:
            self.tonal += 1
            self._peak_hz.append(strongest * 8000 / TONE_WINDOW)

    def reason(self) -> str | None:
        """Why this is not speech, or None (speech, too short, or too quiet to tell)."""
        if self.windows < TONE_MIN_WINDOWS or self.tonal < TONE_WINDOW_SHARE * self.windows:
            return None
        hz = float(np.median(self._peak_hz))
        return (f"not speech: a steady tone near {hz:.0f} Hz in {self.tonal / self.windows:.0%} of the audio "
                "(ringback, busy, DTMF or fax tone)")
