"""Score the answer classifier on labelled clips: per-class precision/recall, the confusion
matrix, decision times per phase (the action's and the label's: an announcement is acted on
before its kind is known), the floors of issue 21, and CPU per concurrent call.

Used by ``bench/bench_answer_classifier.py`` (the full >= 600-clip run) and by the tests
(a small slice, to keep the numbers honest as the code changes).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from runtime.answer.clips import Clip
from telephony.media.answer.classes import ANNOUNCEMENTS, MACHINE_CLASSES, AnswerClass, Phase
from telephony.media.answer.detector import AnswerDetector
from telephony.media.answer.phrases import PhraseSpotter

__all__ = ["Scored", "Report", "evaluate", "score_clip"]

_FRAME_BYTES = 320


@dataclass(frozen=True, slots=True)
class Scored:
    truth: AnswerClass
    got: AnswerClass
    phase: Phase
    decided_at_s: float  # the action (hang up / cancel / talk)
    media_s: float
    cpu_s: float
    about: str
    labelled_at_s: float = -1.0  # the class (an announcement's kind); -1: same as decided_at_s

    @property
    def labelled_at(self) -> float:
        return self.decided_at_s if self.labelled_at_s < 0 else self.labelled_at_s


@dataclass(slots=True)
class Report:
    rows: list[Scored] = field(default_factory=list)

    def confusion(self) -> dict[str, Counter[str]]:
        out: dict[str, Counter[str]] = {}
        for r in self.rows:
            out.setdefault(r.truth.value, Counter())[r.got.value] += 1
        return out

    def per_class(self) -> dict[str, dict[str, float]]:
        labels = sorted({r.truth.value for r in self.rows} | {r.got.value for r in self.rows})
        res: dict[str, dict[str, float]] = {}
        for lab in labels:
            tp = sum(1 for r in self.rows if r.truth.value == lab and r.got.value == lab)
            pos = sum(1 for r in self.rows if r.got.value == lab)
            true = sum(1 for r in self.rows if r.truth.value == lab)
            res[lab] = {"n": true, "precision": tp / pos if pos else 0.0, "recall": tp / true if true else 0.0}
        return res

    def human_as_machine(self) -> float:
        humans = [r for r in self.rows if r.truth is AnswerClass.HUMAN]
        return sum(1 for r in humans if r.got in MACHINE_CLASSES) / len(humans) if humans else 0.0

    def announcement_right(self) -> float:
        ann = [r for r in self.rows if r.truth in ANNOUNCEMENTS]
        return sum(1 for r in ann if r.got is r.truth) / len(ann) if ann else 0.0

    def decision_times(self, phase: Phase, label: bool = False, truth: AnswerClass | None = None) -> dict[str, float]:
        """p50/p95/max of the action's time (``label``: of the class's) in ``phase``, for one
        true class if ``truth`` is given."""
        ts = sorted(r.labelled_at if label else r.decided_at_s for r in self.rows
                    if r.phase is phase and (truth is None or r.truth is truth))
        if not ts:
            return {"n": 0, "p50": 0.0, "p95": 0.0, "max": 0.0}
        return {"n": len(ts), "p50": statistics.median(ts), "p95": ts[min(len(ts) - 1, int(0.95 * len(ts)))],
                "max": ts[-1]}

    def kind_right(self) -> float:
        """Of the announcements acted on as one (any announcement verdict), the share whose kind is right."""
        acted = [r for r in self.rows if r.truth in ANNOUNCEMENTS and (r.got in ANNOUNCEMENTS or r.got is AnswerClass.ANNOUNCEMENT)]
        return sum(1 for r in acted if r.got is r.truth) / len(acted) if acted else 0.0

    def cpu_per_media_s(self) -> float:
        """CPU seconds per second of audio classified: 1 / this = calls one core keeps up with."""
        media = sum(r.labelled_at for r in self.rows)
        return sum(r.cpu_s for r in self.rows) / media if media else 0.0

    def accuracy(self) -> float:
        return sum(1 for r in self.rows if r.got is r.truth) / len(self.rows) if self.rows else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "clips": len(self.rows),
            "accuracy": round(self.accuracy(), 4),
            "human_as_machine": round(self.human_as_machine(), 4),
            "announcement_right": round(self.announcement_right(), 4),
            "decision_early": {k: round(v, 2) for k, v in self.decision_times(Phase.EARLY).items()},
            "decision_answered": {k: round(v, 2) for k, v in self.decision_times(Phase.ANSWERED).items()},
            "label_early": {k: round(v, 2) for k, v in self.decision_times(Phase.EARLY, label=True).items()},
            "label_answered": {k: round(v, 2) for k, v in self.decision_times(Phase.ANSWERED, label=True).items()},
            "kind_right": round(self.kind_right(), 4),
            "cpu_per_media_s": round(self.cpu_per_media_s(), 4),
            "per_class": {k: {m: round(v, 3) for m, v in d.items()} for k, d in self.per_class().items()},
            "confusion": {k: dict(v) for k, v in self.confusion().items()},
        }


def score_clip(clip: Clip, spotter: PhraseSpotter | None) -> Scored:
    det = AnswerDetector(clip.phase, spotter)
    d = det.feed(clip.pcm[i : i + _FRAME_BYTES] for i in range(0, len(clip.pcm), _FRAME_BYTES))
    cpu = det.stats.feature_s + det.stats.spot_s
    return Scored(clip.label, d.label, clip.phase, d.decided_at_s, len(clip.pcm) / 16000, cpu, clip.about,
                  d.labelled_at)


def evaluate(clips: Iterable[Clip], spotter: PhraseSpotter | None) -> Report:
    rep = Report()
    for c in clips:
        rep.rows.append(score_clip(c, spotter))
    return rep
