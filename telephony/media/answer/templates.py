"""Spotting a phrase by its sound: dynamic time warping of log-mel frames against references.

An operator's announcement is the *same recording* on every call to that network, so the
strongest constrained recogniser for it is acoustic: compare what we hear with a reference
rendering (or a recording of the carrier's own message) of every phrase in the table and take
the nearest, if it is near enough. This works on the first second or two of an announcement
(open-end alignment: the heard audio is matched against the start of each reference) and
costs a few milliseconds, where a general recogniser costs about a second per try and, on
robotic Chinese, mostly misses (measured: Whisper base heard "您好您莫大提便" for 您好，您拨打的电话).

Features: 24 log-mel bands per 20 ms frame, each frame with its own mean removed (level and
channel gain cancel), compared by cosine distance. Alignment steps (1,1), (1,2), (2,1) allow
speed ratios between 1/2 and 2 and vectorise row by row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from telephony.media.answer.features import FRAME_S, frame_features
from telephony.media.answer.phrases import PhraseHit

__all__ = ["Template", "TemplateMatch", "TemplateSpotter", "TemplateStream", "Alignment", "mel_frames", "trim_quiet",
           "align_costs"]

_F32 = npt.NDArray[np.float32]
_QUIET_DB = -42.0
_MAX_START_SKIP = 6  # frames either side may start late (an onset found a little early or late)
_INF = np.float32(1e9)
_RECENCY = np.float32(0.98)  # per-frame discount of earlier alignment cost (time constant ~1 s)


def _normalise(mel: _F32) -> _F32:
    x = mel - mel.mean(axis=1, keepdims=True)
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return np.asarray(x / np.maximum(n, 1e-6), dtype=np.float32)


def mel_frames(pcm: bytes) -> tuple[_F32, npt.NDArray[np.float32]]:
    """(normalised log-mel per frame, level dBFS per frame) of 8 kHz 16-bit PCM."""
    feats = [frame_features(pcm[i : i + 320]) for i in range(0, len(pcm) - 319, 320)]
    if not feats:
        return np.zeros((0, 24), np.float32), np.zeros(0, np.float32)
    mel = np.stack([f.mel for f in feats]).astype(np.float32)
    return _normalise(mel), np.array([f.level_db for f in feats], dtype=np.float32)


def trim_quiet(mel: _F32, levels: npt.NDArray[np.float32]) -> _F32:
    loud = np.flatnonzero(levels >= _QUIET_DB)
    if loud.size == 0:
        return mel[:0]
    return mel[loud[0] : loud[-1] + 1]


class Alignment:
    """Open-end DTW of heard frames against every reference, one heard frame at a time.

    The same recursion as a whole-clip alignment, kept as state (the last two rows), so a
    live call pays one row per 20 ms frame instead of re-aligning everything it heard at each
    look: the spotter can then look every frame and commit as soon as the best label's lead
    is safe. Quiet frames after the last loud one are held back (and used only if speech
    resumes), which is what :func:`trim_quiet` does to a whole clip.
    """

    def __init__(self, refs: _F32, lengths: npt.NDArray[np.int64]) -> None:
        self.refs, self.lengths = refs, lengths
        self.t_count, self.m = refs.shape[0], refs.shape[1]
        self.rows = 0  # heard frames aligned
        self._pending: list[_F32] = []
        self._started = False
        self._d1 = self._c1 = self._d2 = self._c2 = np.zeros((self.t_count, self.m), np.float32)

    def push(self, mel: _F32, level_db: float) -> None:
        """One heard frame (normalised log-mel row, level dBFS)."""
        if level_db < _QUIET_DB:
            if self._started:
                self._pending.append(mel)
            return
        self._started = True
        for row in self._pending:
            self._row(row)
        self._pending.clear()
        self._row(mel)

    def _row(self, obs_row: _F32) -> None:
        t_count, m = self.t_count, self.m
        if t_count == 0 or m == 0:
            self.rows += 1
            return
        cost = (1.0 - np.einsum("b,tmb->tm", obs_row, self.refs)).astype(np.float32)
        i = self.rows
        if i == 0:
            k = min(_MAX_START_SKIP, m)
            self._d1 = np.full((t_count, m), _INF, np.float32)
            self._d1[:, :k] = cost[:, :k]
            self._c1 = np.ones((t_count, m), np.float32)
            self._d2, self._c2 = np.full((t_count, m), _INF, np.float32), np.ones((t_count, m), np.float32)
            self.rows = 1
            return
        d1, c1, d2, c2 = self._d1, self._c1, self._d2, self._c2
        cand = np.full((3, t_count, m), _INF, np.float32)
        cnt = np.ones((3, t_count, m), np.float32)
        cand[0, :, 1:], cnt[0, :, 1:] = d1[:, :-1], c1[:, :-1]
        cand[1, :, 2:], cnt[1, :, 2:] = d1[:, :-2], c1[:, :-2]
        if i >= 2:
            cand[2, :, 1:], cnt[2, :, 1:] = d2[:, :-1], c2[:, :-1]
        if i < _MAX_START_SKIP:  # the heard audio may start a little before the reference does
            cand[0, :, 0], cnt[0, :, 0] = 0.0, 0.0
        cand *= _RECENCY  # older frames weigh less: the words that tell phrases apart come late
        cnt *= _RECENCY
        pick = np.argmin(cand / np.maximum(cnt, 1e-6), axis=0)[None]
        d_new = np.take_along_axis(cand, pick, 0)[0] + cost
        c_new = np.take_along_axis(cnt, pick, 0)[0] + 1.0
        self._d2, self._c2, self._d1, self._c1 = d1, c1, d_new, c_new
        self.rows += 1

    def costs(self) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """Per reference: mean cosine distance of the best alignment of the loud frames so far
        with a prefix of it, and the reference frames used."""
        t_count, m = self.t_count, self.m
        if self.rows == 0 or t_count == 0 or m == 0:
            return np.ones(t_count, np.float32), np.zeros(t_count, np.int64)
        valid = np.arange(m)[None, :] < self.lengths[:, None]
        last = np.where(valid, self._d1 / self._c1, _INF)
        j = np.argmin(last, axis=1)
        return np.minimum(1.0, last[np.arange(t_count), j]).astype(np.float32), j + 1


def align_costs(obs: _F32, refs: _F32, lengths: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """For each reference (``refs``: T x m x bands, zero-padded to ``lengths``), the mean cosine
    distance of the best alignment of all of ``obs`` with a prefix of it (open end) and the
    reference frames used. Steps (1,1), (1,2), (2,1); all references at once, row by row."""
    al = Alignment(refs, lengths)
    for row in obs:
        al._row(row)
    return al.costs()


@dataclass(frozen=True, slots=True)
class Template:
    """One reference rendering of a phrase: ``label`` is the answer class it means."""

    label: str
    text: str
    mel: _F32
    source: str = ""  # which voice or recording

    @property
    def seconds(self) -> float:
        return self.mel.shape[0] * FRAME_S

    @classmethod
    def from_pcm(cls, label: str, text: str, pcm: bytes, source: str = "") -> Template:
        mel, levels = mel_frames(pcm)
        return cls(label, text, trim_quiet(mel, levels), source)


@dataclass(frozen=True, slots=True)
class TemplateMatch:
    label: str
    text: str
    distance: float  # mean cosine distance, 0 = identical
    margin: float  # how much farther the best other *label* is
    ref_used_s: float


class TemplateSpotter:
    """Matches heard speech against every template; the nearest label wins if near and clear.

    A :class:`~.phrases.PhraseSpotter`: its score is ``1 - distance / (2 * accept_distance)``,
    so a phrase at exactly ``accept_distance`` scores 0.5 (the classifier's acceptance line).
    """

    name = "templates"

    def __init__(self, templates: Iterable[Template], accept_distance: float = 0.34) -> None:
        self.accept_distance = accept_distance
        self.templates = [t for t in templates if t.mel.shape[0] > 0]
        m = max((t.mel.shape[0] for t in self.templates), default=0)
        self._refs = np.zeros((len(self.templates), m, 24), np.float32)
        for i, t in enumerate(self.templates):
            self._refs[i, : t.mel.shape[0]] = t.mel
        self._lengths = np.array([t.mel.shape[0] for t in self.templates], dtype=np.int64)

    def labels(self) -> set[str]:
        return {t.label for t in self.templates}

    def rank(self, obs: _F32) -> list[TemplateMatch]:
        """Best match per label, nearest first; ``margin`` of the first is its lead on the second."""
        return self._ranked(*align_costs(obs, self._refs, self._lengths))

    def _ranked(self, dists: npt.NDArray[np.float32], used: npt.NDArray[np.int64]) -> list[TemplateMatch]:
        best: dict[str, tuple[float, Template, int]] = {}
        for t, dist, u in zip(self.templates, dists.tolist(), used.tolist(), strict=True):
            if t.label not in best or dist < best[t.label][0]:
                best[t.label] = (dist, t, u)
        ordered = sorted(best.values(), key=lambda x: x[0])
        out: list[TemplateMatch] = []
        for i, (dist, t, u) in enumerate(ordered):
            other = ordered[1][0] if i == 0 and len(ordered) > 1 else ordered[0][0]
            out.append(TemplateMatch(t.label, t.text, dist, other - dist, u * FRAME_S))
        return out

    def stream(self) -> TemplateStream:
        """An incremental look at one stretch of speech (see :class:`TemplateStream`)."""
        return TemplateStream(self)

    def _score(self, distance: float) -> float:
        return max(0.0, min(1.0, 1.0 - distance / (2 * self.accept_distance)))

    def spot(self, pcm: bytes, start_s: float, final: bool) -> PhraseHit | None:
        mel, levels = mel_frames(pcm)
        obs = trim_quiet(mel, levels)
        if obs.shape[0] == 0 or not self.templates:
            return None
        return self.hit(self.rank(obs), start_s, obs.shape[0])

    def hit(self, ranked: list[TemplateMatch], start_s: float, frames: int) -> PhraseHit | None:
        """The :class:`PhraseHit` of a ranking of ``frames`` heard frames starting at ``start_s``."""
        if not ranked:
            return None
        best = ranked[0]
        score = self._score(best.distance)
        lead = score - self._score(best.distance + best.margin) if len(ranked) > 1 else 1.0
        scores = tuple((m.label, round(self._score(m.distance), 3)) for m in ranked)
        return PhraseHit(best.label, best.text, round(score, 3), start_s, start_s + frames * FRAME_S,
                         self.name, round(lead, 3), scores)


class TemplateStream:
    """One stretch of speech, aligned frame by frame as it is heard.

    :meth:`push` costs one DTW row; :meth:`look` ranks what was heard so far (both together
    ~0.65 ms a frame with 60 templates). Same result as :meth:`TemplateSpotter.spot` on the same frames, without
    re-aligning the whole stretch at every look.
    """

    def __init__(self, spotter: TemplateSpotter) -> None:
        self.spotter = spotter
        self._al = Alignment(spotter._refs, spotter._lengths)

    def push(self, mel: npt.NDArray[np.float32], level_db: float) -> None:
        """One frame's (raw) log-mel bands and level, as :mod:`.features` gives them."""
        self._al.push(_normalise(np.asarray(mel, np.float32)[None, :])[0], level_db)

    def look(self, start_s: float) -> PhraseHit | None:
        if self._al.rows == 0 or not self.spotter.templates:
            return None
        return self.spotter.hit(self.spotter._ranked(*self._al.costs()), start_s, self._al.rows)
