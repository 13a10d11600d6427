"""The template spotter aligns incrementally: a live call pays one DTW row per 20 ms frame,
so it looks every frame and commits as soon as the best label leads safely (issue 21's
pre-answer decision time), with the same verdict as aligning the whole stretch at once."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from runtime.answer.references import default_spotter
from runtime.speech.tts_espeak import EspeakProvider
from telephony.media.answer.classes import AnswerClass, Phase
from telephony.media.answer.detector import AnswerDetector
from telephony.media.answer.features import frame_features
from telephony.media.answer.phrases import PhraseHit
from telephony.media.answer.templates import TemplateSpotter
from telephony.simulator import sounds as S

pytestmark = pytest.mark.audio


def _announcement(text: str, voice: str = "cmn-latn-pinyin+m3", rate: float = 1.15, seed: int = 3) -> bytes:
    words = S.trim_edges(EspeakProvider().render(text, voice=voice, rate=rate).pcm)
    return S.through_g711(S.add_noise(S.concat(S.prefix_tone(0), words, S.gap(1.5)), random.Random(seed), 20.0))


@dataclass
class _WholeClip:
    """The same spotter without ``stream``: the detector re-aligns everything it heard every 0.3 s."""

    inner: TemplateSpotter
    name: str = "templates"

    def spot(self, pcm: bytes, start_s: float, final: bool) -> PhraseHit | None:
        return self.inner.spot(pcm, start_s, final)


def test_the_stream_gives_the_whole_clip_alignment() -> None:
    sp = default_spotter(("zh",))
    pcm = S.trim_edges(EspeakProvider().render("对不起，您拨打的用户已关机", voice="cmn-latn-pinyin+f4", rate=1.0).pcm)
    whole = sp.spot(pcm, 0.0, True)
    stream = sp.stream()
    for i in range(0, len(pcm) - 319, 320):
        f = frame_features(pcm[i : i + 320])
        stream.push(f.mel, f.level_db)
    streamed = stream.look(0.0)
    assert whole is not None and streamed is not None
    assert (streamed.label, streamed.phrase) == (whole.label, whole.phrase)
    assert streamed.score == pytest.approx(whole.score, abs=0.002)
    assert streamed.margin == pytest.approx(whole.margin, abs=0.002)
    assert streamed.end_s == pytest.approx(whole.end_s)


@pytest.mark.parametrize(("text", "label"), [
    ("对不起，您拨打的用户正忙", AnswerClass.ANNOUNCEMENT_BUSY),
    ("您拨打的电话已停机", AnswerClass.ANNOUNCEMENT_SUSPENDED),
    ("对不起，您拨打的用户不在服务区", AnswerClass.ANNOUNCEMENT_UNREACHABLE),
])
def test_looking_every_frame_decides_sooner_and_costs_less(text: str, label: AnswerClass) -> None:
    sp = default_spotter(("zh",))
    pcm = _announcement(text)
    frames = [pcm[i : i + 320] for i in range(0, len(pcm), 320)]
    live = AnswerDetector(Phase.EARLY, sp)
    old = AnswerDetector(Phase.EARLY, _WholeClip(sp))
    d_live, d_old = live.feed(frames), old.feed(frames)
    assert d_live.label is label and d_old.label is label
    assert d_live.decided_at_s <= d_old.decided_at_s
    assert live.stats.spots >= old.stats.spots  # it looks every frame ...
    if live.stats.spots > 5:  # ... each look a row, not the whole stretch again
        assert live.stats.spot_s / live.stats.spots < old.stats.spot_s / old.stats.spots
