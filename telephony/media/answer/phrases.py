"""The closed phrase table (per language/region JSON files) and the spotter protocol.

The table is the grammar: a spotter may only say "this sounded like phrase P of label L"
for phrases in it. Two spotters exist: acoustic templates (:mod:`.templates`, here) and a
recogniser whose text is scored against the table (Whisper + pinyin, in ``runtime``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Protocol, runtime_checkable

from huashu.core.errors import UserError
from telephony.media.answer.classes import AnswerClass

__all__ = ["Phrase", "PhraseTable", "PhraseHit", "PhraseSpotter", "load_table", "table_languages",
           "SPOTTABLE_LABELS", "PhraseTableError"]

_MAX_PHRASES = 500
_MAX_TEXT = 200
#: Labels a phrase may carry: announcements and the post-answer machines.
SPOTTABLE_LABELS = frozenset(
    {c.value for c in AnswerClass if c.value.startswith("announcement_")}
    | {AnswerClass.VOICEMAIL.value, AnswerClass.SCREENING.value, AnswerClass.IVR.value}
)


class PhraseTableError(UserError):
    """A phrase table that cannot be used, with the file and entry that is wrong."""


@dataclass(frozen=True, slots=True)
class Phrase:
    label: str
    text: str
    language: str
    recording: str | None = None  # a WAV of the carrier's own message, relative to the table file


@dataclass(frozen=True, slots=True)
class PhraseTable:
    language: str
    region: str
    phrases: tuple[Phrase, ...]
    source: str = ""


@dataclass(frozen=True, slots=True)
class PhraseHit:
    """A spotter's claim: heard speech from ``start_s`` to ``end_s`` is ``phrase`` (of ``label``)."""

    label: str
    phrase: str
    score: float  # 0..1, higher is surer
    start_s: float
    end_s: float
    spotter: str = ""
    margin: float = 1.0  # lead of ``score`` over the best other label's (1.0: not measured)
    scores: tuple[tuple[str, float], ...] = ()  # best score per label, if the spotter ranks them all

    def lead_over(self, labels: frozenset[str]) -> float:
        """How far ``score`` leads the best of ``labels`` (``margin`` if the spotter gave no ranking)."""
        if not self.scores:
            return self.margin
        others = [s for lab, s in self.scores if lab in labels]
        return self.score - max(others) if others else 1.0


@runtime_checkable
class PhraseSpotter(Protocol):
    """Says which phrase of the table a stretch of speech is, or None. ``start_s`` places it."""

    name: str

    def spot(self, pcm: bytes, start_s: float, final: bool) -> PhraseHit | None:
        """``pcm``: 8 kHz speech since its onset; ``final``: no more will come (decide now)."""
        ...


def _parse(data: object, where: str) -> PhraseTable:
    if not isinstance(data, dict) or not isinstance(data.get("phrases"), list):
        raise PhraseTableError(f"{where}: expected an object with a 'phrases' list")
    lang = str(data.get("language", "")).strip()
    if not lang or len(lang) > 16:
        raise PhraseTableError(f"{where}: 'language' is missing or too long")
    items = data["phrases"]
    if len(items) > _MAX_PHRASES:
        raise PhraseTableError(f"{where}: {len(items)} phrases, at most {_MAX_PHRASES}")
    out: list[Phrase] = []
    for i, p in enumerate(items):
        if not isinstance(p, dict):
            raise PhraseTableError(f"{where}: phrases[{i}] is not an object")
        label, text = str(p.get("label", "")), str(p.get("text", "")).strip()
        if label not in SPOTTABLE_LABELS:
            raise PhraseTableError(f"{where}: phrases[{i}].label {label!r} is not one of {sorted(SPOTTABLE_LABELS)}")
        if not text or len(text) > _MAX_TEXT:
            raise PhraseTableError(f"{where}: phrases[{i}].text is empty or longer than {_MAX_TEXT} characters")
        rec = p.get("recording")
        out.append(Phrase(label, text, lang, str(rec) if rec else None))
    return PhraseTable(lang, str(data.get("region", "")), tuple(out), where)


def table_languages() -> list[str]:
    """Languages with a built-in table."""
    return sorted(p.name.removesuffix(".json") for p in resources.files(__package__).joinpath("phrases").iterdir()
                  if p.name.endswith(".json"))


def load_table(language_or_path: str | Path) -> PhraseTable:
    """A built-in table by language (``zh``, ``en``) or a user's table file."""
    p = Path(language_or_path)
    if p.suffix == ".json":
        where = str(p)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise PhraseTableError(f"{where}: cannot read ({exc.strerror})") from None
    else:
        name = str(language_or_path)
        if name not in table_languages():
            raise PhraseTableError(f"no built-in phrase table {name!r}; built in: {', '.join(table_languages())}")
        where = f"phrases/{name}.json"
        text = resources.files(__package__).joinpath("phrases", f"{name}.json").read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PhraseTableError(f"{where}: not JSON ({exc.msg} at line {exc.lineno})") from None
    return _parse(data, where)
