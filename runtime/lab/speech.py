"""The speech-level attack: the text attack's replies spoken, sent down a phone line and heard.

The text attack (:mod:`runtime.lab.attack`) says whether a branch's *words* catch what people
say. On a call the words first go through a voice, G.711 and a recogniser; a branch can match
every written variant and still fail because the recogniser writes something else. This module
takes, per branch, up to ``limit`` of the variants the text attack got right (so every failure
here is the recogniser's, not the matcher's), speaks each with every voice, encodes and decodes
it as G.711 like the line does, runs the recogniser with the expectations and hotwords the
runtime gives it for that node (:meth:`runtime.dialog.compiled.CompiledScript.listen`), and
answers the transcript through the same matcher with the recogniser's confidence.

Out come per-branch speech recall, each failure with what was heard, and the phrases the
node's hotword list (``asr.hotwords``) lacks: the branch phrases whose spoken variants were lost.
Audio is cached (:class:`runtime.speech.cache.PromptCache`), so a second run costs only the
recogniser. Slow (a recogniser decode per utterance): optional per run, capped by ``limit``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from designer.model import Script
from runtime.dialog.compiled import compile_script
from runtime.lab.attack import NO_MATCH, OFF_SCRIPT, AttackReport, Outcome, _example_values
from runtime.lab.variants import CONTRARY, core_of
from runtime.speech.asr import AsrProvider, recognise
from runtime.speech.cache import PromptCache, render_cached
from runtime.speech.tts_base import TtsProvider
from telephony.media.audio import silence
from telephony.media.g711 import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "DEFAULT_VOICES", "Spoken", "SpeechBranch", "SpeechReport", "pick",
           "speech_attack"]

DEFAULT_LIMIT = 4  # variants per branch: 6 library scripts x ~12 branches x 4 x 2 voices is minutes, not hours
MAX_LIMIT = 50
DEFAULT_VOICES = {"zh": ("cmn-latn-pinyin", "cmn-latn-pinyin+f3"), "en": ("en-us", "en-us+f3")}
MAX_HOTWORDS = 8  # suggested per node: Whisper's prompt window is small and many hotwords make it hallucinate
_LEAD_MS, _TAIL_MS = 300, 400  # what the VAD keeps around a turn
# Spoken first: the plain phrase and the ways people say it, before the written-only families
# (traditional characters and homophones read aloud sound like the plain phrase).
_SPOKEN_ORDER = ("plain", "paraphrase", "echo", "filler", "particle", "length", "reorder", "repeat", "number",
                 "english", "synonym")


@dataclass(frozen=True, slots=True)
class Spoken:
    """One variant as heard: ``heard`` is the transcript, ``taken`` the branch it reached."""

    node: str
    branch: str
    text: str
    family: str
    seed: str
    voice: str
    heard: str
    confidence: float
    rejected: bool
    reason: str
    taken: str
    ok: bool

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "branch": self.branch, "text": self.text, "family": self.family,
                "seed": self.seed, "voice": self.voice, "heard": self.heard, "confidence": self.confidence,
                "rejected": self.rejected, "reason": self.reason, "taken": self.taken, "ok": self.ok}


@dataclass(slots=True)
class SpeechBranch:
    node: str
    branch: str
    text_recall: float | None  # the text attack's, for comparison
    spoken: int = 0
    heard_right: int = 0

    @property
    def recall(self) -> float | None:
        """Share of spoken variants (all of them right as text) that still reach the branch."""
        return self.heard_right / self.spoken if self.spoken else None

    def to_dict(self) -> dict[str, Any]:
        r = self.recall
        return {"node": self.node, "branch": self.branch, "spoken": self.spoken, "heard_right": self.heard_right,
                "speech_recall": None if r is None else round(r, 3),
                "text_recall": None if self.text_recall is None else round(self.text_recall, 3)}


@dataclass(slots=True)
class SpeechReport:
    script: str
    voices: tuple[str, ...]
    limit: int
    line: str
    recogniser: str
    branches: list[SpeechBranch]
    spoken: list[Spoken]
    hotwords: dict[str, list[str]] = field(default_factory=dict)  # node -> phrases its hotwords lack
    seconds: float = 0.0
    audio_cached: int = 0
    audio_rendered: int = 0

    @property
    def recall(self) -> float | None:
        rs = [b.recall for b in self.branches if b.recall is not None]
        return sum(rs) / len(rs) if rs else None

    @property
    def failures(self) -> list[Spoken]:
        return [s for s in self.spoken if not s.ok]

    def to_dict(self) -> dict[str, Any]:
        r = self.recall
        return {"script": self.script, "voices": list(self.voices), "limit": self.limit, "line": self.line,
                "recogniser": self.recogniser, "utterances": len(self.spoken),
                "speech_recall": None if r is None else round(r, 3), "seconds": round(self.seconds, 2),
                "audio_cached": self.audio_cached, "audio_rendered": self.audio_rendered,
                "branches": [b.to_dict() for b in self.branches],
                "failures": [s.to_dict() for s in self.failures], "hotwords": self.hotwords}


def pick(report: AttackReport, limit: int) -> list[tuple[str, str, Outcome]]:
    """Up to ``limit`` variants per attacked branch that the text attack got right, spread over
    the families (one of each in :data:`_SPOKEN_ORDER` before a second of any), deterministic."""
    out: list[tuple[str, str, Outcome]] = []
    for n in report.nodes:
        for st in n.branches:
            good = [o for o in n.outcomes if o.variant.intended == st.branch and o.ok
                    and o.variant.family not in (OFF_SCRIPT, CONTRARY, "traditional", "homophone")]
            rank = {f: i for i, f in enumerate(_SPOKEN_ORDER)}
            good.sort(key=lambda o: rank.get(o.variant.family, len(rank)))
            chosen: list[Outcome] = []
            seen: Counter[str] = Counter()
            for round_ in range(limit):
                for o in good:
                    if len(chosen) >= limit:
                        break
                    if o not in chosen and seen[o.variant.family] == round_:
                        chosen.append(o)
                        seen[o.variant.family] += 1
            out += [(n.node, st.branch, o) for o in chosen]
    return out


def _line(pcm: bytes, law: str) -> bytes:
    enc, dec = (ulaw_encode, ulaw_decode) if law == "ulaw" else (alaw_encode, alaw_decode)
    return dec(enc(silence(_LEAD_MS) + pcm + silence(_TAIL_MS)))


def speech_attack(script: Script, report: AttackReport, tts: TtsProvider, asr: AsrProvider, cache: PromptCache, *,
                  voices: Sequence[str], limit: int = DEFAULT_LIMIT, law: str = "ulaw") -> SpeechReport:
    """Speak ``report``'s right-as-text variants with each voice, through G.711 ``law``
    (``ulaw`` / ``alaw``) and ``asr``; see the module docstring."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be 1..{MAX_LIMIT}, got {limit}")
    if law not in ("ulaw", "alaw"):
        raise ValueError(f"law must be ulaw or alaw, got {law!r}")
    if not voices:
        raise ValueError("at least one voice is needed")
    started = time.perf_counter()
    compiled = compile_script(script)
    m = compiled.matcher
    variables = _example_values(script)
    text_recall = {(n.node, b.branch): b.recall for n in report.nodes for b in n.branches}
    stats: dict[tuple[str, str], SpeechBranch] = {k: SpeechBranch(k[0], k[1], r) for k, r in text_recall.items()}
    spoken: list[Spoken] = []
    cached = rendered = 0
    lost: dict[str, Counter[str]] = {}
    for node_id, branch_id, o in pick(report, limit):
        node = script.node(node_id)
        listen = compiled.listen(node)
        for voice in voices:
            audio = render_cached(tts, cache, o.variant.text, voice)
            cached += audio.cached
            rendered += not audio.cached
            res = recognise(asr, _line(audio.pcm, law), listen.expected, grammar=listen.grammar,
                            hotwords=listen.hotwords)
            conf = res.dialog_confidence
            found = m.match(node, res.text, conf, variables) if res.text.strip() else None
            taken = found.branch.id if found is not None else NO_MATCH
            # the same rule as the text attack: the intended branch, or one that does exactly the same
            ok = taken == o.taken
            st = stats[(node_id, branch_id)]
            st.spoken += 1
            st.heard_right += ok
            spoken.append(Spoken(node_id, branch_id, o.variant.text, o.variant.family, o.variant.seed, voice,
                                 res.text, round(conf, 3), res.rejected, res.reason, taken, ok))
            if not ok:
                lost.setdefault(node_id, Counter())[core_of(o.variant.seed)] += 1
    hotwords: dict[str, list[str]] = {}
    for node_id, counts in lost.items():
        have = set(compiled.listen(script.node(node_id)).hotwords)  # what a call gives the recogniser
        need = [p for p, _ in counts.most_common() if p and p not in have]
        if need:
            hotwords[node_id] = need[:MAX_HOTWORDS]
    return SpeechReport(script.id, tuple(voices), limit, law, str(getattr(asr, "name", type(asr).__name__)),
                        [b for b in stats.values() if b.spoken], spoken, hotwords, time.perf_counter() - started,
                        cached, rendered)
