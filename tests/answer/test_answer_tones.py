"""The pure classifier on synthesised tones: cadences of three regions, SIT, fax, beeps, music, silence."""

from __future__ import annotations

import random

import pytest

from telephony.media.answer.classes import AnswerClass, Phase
from telephony.media.answer.classifier import AnswerClassifier
from telephony.media.answer.detector import AnswerDetector, classify_pcm
from telephony.media.answer.features import frame_features
from telephony.media.answer.tones import ToneTracker, match_cadence
from telephony.simulator import sounds as S

pytestmark = pytest.mark.offline
A = AnswerClass


def _line(pcm: bytes, snr: float = 20.0, seed: int = 1) -> bytes:
    return S.through_g711(S.add_noise(pcm, random.Random(seed), snr))


@pytest.mark.parametrize("region", ["cn", "us", "eu"])
@pytest.mark.parametrize("snr", [30.0, 12.0])
def test_ringback_of_each_region_is_ringback_within_a_burst(region: str, snr: float) -> None:
    d = classify_pcm(_line(S.ringback(region, 6.0), snr), Phase.EARLY)
    assert d.label is A.RINGBACK
    assert d.decided_at_s < 1.2  # decided while the first burst still sounds
    assert any(e.kind == "cadence" and region in e.what for e in d.evidence)


@pytest.mark.parametrize("region", ["cn", "us", "eu"])
def test_busy_and_congestion_are_told_apart_by_cadence(region: str) -> None:
    busy = classify_pcm(_line(S.busy_tone(region)), Phase.EARLY)
    congestion = classify_pcm(_line(S.congestion_tone(region)), Phase.EARLY)
    assert (busy.label, congestion.label) == (A.BUSY_TONE, A.CONGESTION_TONE)
    assert busy.decided_at_s < 2.5 and congestion.decided_at_s < 2.5


def test_china_busy_is_not_china_congestion() -> None:
    """Same 450 Hz, different cadence: 0.35/0.35 s is busy, 0.7/0.7 s congestion."""
    tracker = ToneTracker()
    segs = []
    pcm = S.busy_tone("cn", 2.0)
    for i in range(0, len(pcm) - 319, 320):
        seg = tracker.push(i / 16000, frame_features(pcm[i : i + 320]))
        if seg is not None:
            segs.append(seg)
    found = match_cadence(segs)
    assert found is not None and found[0].name == "cn_busy"


def test_sit_is_decided_after_the_third_tone() -> None:
    d = classify_pcm(_line(S.concat(S.gap(0.2), S.sit(), S.gap(2.0)), 12.0), Phase.EARLY)
    assert d.label is A.SIT
    assert 1.0 <= d.decided_at_s <= 1.4


def test_fax_answer_tone_and_calling_tone() -> None:
    assert classify_pcm(_line(S.concat(S.gap(0.3), S.fax_ced())), Phase.ANSWERED).label is A.FAX
    assert classify_pcm(_line(S.fax_cng()), Phase.ANSWERED).label is A.FAX


def test_music_is_ringback_music_and_not_speech() -> None:
    for seed in range(4):
        d = classify_pcm(_line(S.music(random.Random(seed), 6.0), 20.0, seed), Phase.EARLY)
        assert d.label is A.RINGBACK_MUSIC, seed
        assert d.decided_at_s <= 2.0


def test_dead_air_is_silence_in_both_phases() -> None:
    quiet = S.add_noise(S.tone((200.0,), 5.0, -62.0), random.Random(2), 0.0)
    assert classify_pcm(quiet, Phase.EARLY).label is A.SILENCE
    d = classify_pcm(quiet, Phase.ANSWERED)
    assert d.label is A.SILENCE and d.decided_at_s <= 3.0


def test_a_beep_after_speechlike_sound_is_voicemail() -> None:
    """Shape only: 1.5 s of modulated noise (a greeting) then the beep."""
    rng = random.Random(3)
    import numpy as np

    n = int(1.5 * 8000)
    env = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * np.arange(n) / 8000)
    babble = (np.random.default_rng(1).normal(0, 3000, n) * env).astype("<i2").tobytes()
    pcm = S.concat(S.gap(0.3), babble, S.gap(0.3), S.beep(1000.0), S.gap(1.0))
    d = classify_pcm(S.add_noise(pcm, rng, 30.0), Phase.ANSWERED)
    assert d.label is A.VOICEMAIL
    assert any(e.kind == "beep" for e in d.evidence)


def test_the_classifier_is_pure_and_stops_at_its_decision() -> None:
    pcm = S.busy_tone("cn", 4.0)
    c = AnswerClassifier(Phase.EARLY)
    first = None
    for i in range(0, len(pcm) - 319, 320):
        d = c.frame(i / 16000, frame_features(pcm[i : i + 320]))
        if d is not None and first is None:
            first = d
    assert first is not None and c.decision is first  # later frames change nothing


def test_early_media_keeps_listening_after_ringback_until_an_announcement_like_tone() -> None:
    """A call rings (non-final), then the network plays SIT: the detector reports both."""
    pcm = _line(S.concat(S.ringback("cn", 5.0), S.sit(), S.gap(1.0)))
    det = AnswerDetector(Phase.EARLY, keep_listening=True)
    d = det.feed(pcm[i : i + 320] for i in range(0, len(pcm), 320))
    assert [h.label for h in det.history][:1] == [A.RINGBACK]
    assert d.label is A.SIT and d.decided_at_s > 5.0
