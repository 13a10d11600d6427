"""Pre-answer speed: media that starts late in a ringback burst is ringback as soon as the
burst's long silence shows (no busy or congestion tone is off that long), not at the horizon;
early silence is reported (and listened past) after 2 s."""

from __future__ import annotations

import random

import pytest

from telephony.media.answer.classes import AnswerClass, Phase
from telephony.media.answer.detector import classify_pcm
from telephony.simulator import sounds as S

pytestmark = pytest.mark.offline
A = AnswerClass


def _line(pcm: bytes, snr: float = 12.0, seed: int = 1) -> bytes:
    return S.through_g711(S.add_noise(pcm, random.Random(seed), snr))


@pytest.mark.parametrize(("region", "offset"), [("cn", 0.6), ("eu", 0.5), ("cn", 0.3)])
def test_a_burst_joined_late_then_its_silence_is_ringback_within_two_seconds(region: str, offset: float) -> None:
    d = classify_pcm(_line(S.ringback(region, 6.0, offset_s=offset)), Phase.EARLY)
    assert d.label is A.RINGBACK
    assert d.decided_at_s < 2.0, d  # was 4.5 s (the horizon), as the next burst comes 4 s later
    assert any(e.kind == "cadence" and "ringback phase" in e.what for e in d.evidence)


@pytest.mark.parametrize("kind", ["busy", "congestion"])
def test_busy_and_congestion_joined_mid_burst_stay_what_they_are(kind: str) -> None:
    make = S.busy_tone if kind == "busy" else S.congestion_tone
    for region in ("cn", "us", "eu"):
        d = classify_pcm(_line(make(region, 4.0, offset_s=0.15)), Phase.EARLY)
        assert d.label is (A.BUSY_TONE if kind == "busy" else A.CONGESTION_TONE), (region, d)


def test_a_cue_tone_then_words_is_not_taken_for_ringback() -> None:
    """The 784+659 Hz cue has a tone in the progress band; speech follows within 0.4 s."""
    rng = random.Random(4)
    babble = S.add_noise(S.tone((180.0, 360.0), 2.5, -20.0), rng, 3.0)
    d = classify_pcm(_line(S.concat(S.prefix_tone(1), S.gap(0.3), babble, S.gap(2.0)), 30.0), Phase.EARLY)
    assert d.label is not A.RINGBACK, d


def test_early_silence_is_reported_after_two_seconds() -> None:
    quiet = S.add_noise(S.tone((200.0,), 5.0, -62.0), random.Random(2), 0.0)
    d = classify_pcm(quiet, Phase.EARLY)
    assert d.label is A.SILENCE and d.decided_at_s <= 2.05
