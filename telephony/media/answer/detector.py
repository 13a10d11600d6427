"""The I/O side of answer classification: frames in, features and phrase hits to the classifier.

It keeps the speech heard since the current onset (bounded) so a spotter can judge it, asks
the spotter only when the classifier wants words (cheap tone and shape rules run first, and
a recogniser, if one is injected, runs only on long speech), and, in early media, keeps
listening after a non-final verdict (ringback, 彩铃, silence) so an announcement that follows
the ringing is still caught.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from telephony.media.answer.classes import TERMINAL_EARLY, AnswerClass, Decision, Phase
from telephony.media.answer.classifier import AnswerClassifier, Thresholds
from telephony.media.answer.features import FRAME_S, frame_features
from telephony.media.answer.phrases import PhraseHit, PhraseSpotter

__all__ = ["AnswerDetector", "DetectorStats", "classify_pcm"]

_FRAME_BYTES = 320
_QUIET_DB = -45.0  # a new look in early media starts at the first frame below this ...
_QUIET_DROP_DB = 12.0  # ... or this far below the sound that was judged (over line noise)
_MAX_SPEECH_S = 8.0  # audio kept for the spotter; a greeting is judged well before this


@dataclass(slots=True)
class DetectorStats:
    frames: int = 0
    spots: int = 0
    feature_s: float = 0.0  # CPU seconds in feature extraction
    spot_s: float = 0.0  # CPU seconds in the spotter


@dataclass(slots=True)
class AnswerDetector:
    """Feed 20 ms frames with :meth:`push`; :attr:`decision` is the verdict when there is one.

    :attr:`action` is the first actionable verdict: in early media a pending ``announcement``
    (the bot must not speak on this call) may come seconds before :attr:`decision` names its
    kind; otherwise it is the decision itself.

    ``keep_listening`` (early media): a ringback, music or silence verdict is kept in
    :attr:`history` and a fresh classifier starts; only a final verdict (announcement, SIT,
    busy, congestion) or :meth:`finish` ends it.
    """

    phase: Phase = Phase.EARLY
    spotter: PhraseSpotter | None = None
    thresholds: Thresholds | None = None
    keep_listening: bool = False
    history: list[Decision] = field(default_factory=list)
    stats: DetectorStats = field(default_factory=DetectorStats)
    decision: Decision | None = None
    action: Decision | None = None
    _clf: AnswerClassifier = field(init=False)
    _t: float = 0.0
    _offset: float = 0.0
    _pcm: bytearray = field(default_factory=bytearray)
    _pcm_start: float = 0.0
    _restart_on_quiet: bool = False
    _judged_db: float = 0.0
    _last_db: float = -90.0
    _feats: list[tuple[object, float]] = field(default_factory=list)  # (mel, level) since the onset
    _stream: Any = None  # the spotter's incremental look at the current stretch, if it has one
    _stream_onset: float | None = None
    _stream_fed: int = 0

    def __post_init__(self) -> None:
        self.phase = Phase(self.phase)
        self._clf = AnswerClassifier(self.phase, self.thresholds)

    @property
    def media_s(self) -> float:
        return self._t

    def push(self, frame: bytes) -> Decision | None:
        if self.decision is not None:
            return self.decision
        if len(frame) != _FRAME_BYTES:
            frame = frame[:_FRAME_BYTES].ljust(_FRAME_BYTES, b"\0")
        t = self._t - self._offset
        c0 = time.process_time()
        feats = frame_features(frame)
        self.stats.feature_s += time.process_time() - c0
        self.stats.frames += 1
        if self._restart_on_quiet:
            if feats.level_db >= max(_QUIET_DB, self._judged_db - _QUIET_DROP_DB):  # what was judged still sounds
                self._t += FRAME_S
                return None
            self._restart()
            t = 0.0
        clf = self._clf
        self._last_db = feats.level_db
        verdict = clf.frame(t, feats)
        self._t += FRAME_S
        onset = clf.speech_onset_s
        if onset is None:
            self._pcm.clear()
            self._feats.clear()
        else:
            if not self._pcm:
                self._pcm_start = t
            if len(self._pcm) < _MAX_SPEECH_S * 16000:
                self._pcm += frame
                self._feats.append((feats.mel, feats.level_db))
        if (verdict is None or verdict.pending) and self.spotter is not None:
            streams = callable(getattr(self.spotter, "stream", None))
            want = clf.want_words(every_s=FRAME_S if streams else None, short=streams)
            if want is not None:
                verdict = clf.words(self._look(want) if streams else self._spot(want, final=False))
        if verdict is not None:
            self._settle(verdict)
        return self.decision

    def _spot(self, onset: float, final: bool) -> PhraseHit | None:
        assert self.spotter is not None
        skip = max(0, int(round((onset - self._pcm_start) / FRAME_S))) * _FRAME_BYTES
        c0 = time.process_time()
        hit = self.spotter.spot(bytes(self._pcm[skip:]), onset + self._offset, final)
        self.stats.spot_s += time.process_time() - c0
        self.stats.spots += 1
        return hit

    def _look(self, onset: float) -> PhraseHit | None:
        """The streaming spotter's look: align only the frames not yet aligned (one per call
        while speech runs), so looking every frame costs a DTW row, not a whole alignment."""
        assert self.spotter is not None
        c0 = time.process_time()
        skip = max(0, int(round((onset - self._pcm_start) / FRAME_S)))
        if self._stream is None or self._stream_onset != onset:
            self._stream = self.spotter.stream()  # type: ignore[attr-defined]
            self._stream_onset, self._stream_fed = onset, skip
        for mel, level in self._feats[self._stream_fed :]:
            self._stream.push(mel, level)
        self._stream_fed = len(self._feats)
        hit: PhraseHit | None = self._stream.look(onset + self._offset)
        self.stats.spot_s += time.process_time() - c0
        self.stats.spots += 1
        return hit

    def _settle(self, verdict: Decision) -> None:
        shifted = _shift(verdict, self._offset)
        if verdict.pending:
            self.action = self.action or shifted
            return
        if self.keep_listening and self.phase is Phase.EARLY and verdict.label not in TERMINAL_EARLY:
            self.history.append(shifted)
            if verdict.label is AnswerClass.SILENCE:
                self._restart()
            else:
                self._restart_on_quiet = True  # a fresh look starts when this sound stops
                self._judged_db = self._last_db
            return
        self.decision = shifted
        self.action = self.action or shifted

    def _restart(self) -> None:
        self._restart_on_quiet = False
        self._offset = self._t
        self._clf = AnswerClassifier(self.phase, self.thresholds)
        self._pcm.clear()
        self._feats.clear()
        self._stream = None

    def finish(self) -> Decision:
        """End of media: the verdict with what was heard (the last non-final one if nothing new)."""
        if self.decision is not None:
            return self.decision
        if self.history and (self._restart_on_quiet or (not self._clf._heard_any and not self._clf.segments)):
            self.decision = self.history[-1]
            return self.decision
        verdict = self._clf.finish()
        self.decision = _shift(verdict, self._offset)
        self.action = self.action or self.decision
        return self.decision

    def feed(self, frames: Iterable[bytes]) -> Decision:
        for f in frames:
            if self.push(f) is not None:
                return self.decision  # type: ignore[return-value]
        return self.finish()


def _shift(d: Decision, offset: float) -> Decision:
    if not offset:
        return d
    from dataclasses import replace

    from telephony.media.answer.classes import Evidence

    ev = tuple(Evidence(e.kind, e.what, e.start_s + offset, e.end_s + offset, e.score) for e in d.evidence)
    labelled = None if d.labelled_at_s is None else round(d.labelled_at_s + offset, 2)
    first = None if d.action is None else _shift(d.action, offset)
    return replace(d, decided_at_s=round(d.decided_at_s + offset, 2), evidence=ev, labelled_at_s=labelled, action=first)


def classify_pcm(pcm: bytes, phase: Phase | str = Phase.EARLY, spotter: PhraseSpotter | None = None,
                 thresholds: Thresholds | None = None) -> Decision:
    """Classify a clip of 8 kHz 16-bit mono PCM; the first final verdict wins (as on a live call;
    an announcement's kind may come after its action: ``decided_at_s`` / ``labelled_at_s``)."""
    det = AnswerDetector(Phase(phase), spotter, thresholds)
    return det.feed(pcm[i : i + _FRAME_BYTES] for i in range(0, len(pcm), _FRAME_BYTES))
