"""Reference renderings of the phrase table for the template spotter.

A carrier's announcement is one fixed recording, so the best reference is that recording
(a phrase's ``recording`` field in the table). Without one, the phrase is rendered with the
offline voice (espeak-ng) in :data:`REFERENCE_VOICES`; the evaluation then hears it in other
voices, speeds and noise, so it measures how far the matcher carries beyond its references.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from runtime.speech.tts_espeak import EspeakProvider
from telephony.media.answer.phrases import PhraseTable, load_table
from telephony.media.answer.templates import Template, TemplateSpotter
from telephony.media.audio import read_wav, resample_to_8k

__all__ = ["REFERENCE_VOICES", "REFERENCE_RATE", "build_templates", "default_spotter"]

#: (voice, rate) per language for references; evaluation voices are deliberately others.
REFERENCE_VOICES: dict[str, tuple[str, ...]] = {
    "zh": ("cmn-latn-pinyin", "cmn-latn-pinyin+f2"),
    "en": ("en-us", "en-us+f2"),
}
REFERENCE_RATE = 1.2  # operators' recordings are brisk


def _recording(table: PhraseTable, rel: str) -> bytes:
    base = Path(table.source).parent if table.source.endswith(".json") else Path(".")
    pcm, rate = read_wav(base / rel)
    return resample_to_8k(pcm, rate)


def build_templates(table: PhraseTable, tts: EspeakProvider | None = None) -> list[Template]:
    """One template per phrase and reference voice (or one per recording, when the table has it)."""
    tts = tts or EspeakProvider()
    out: list[Template] = []
    voices = REFERENCE_VOICES.get(table.language, (None,))
    for p in table.phrases:
        if p.recording:
            out.append(Template.from_pcm(p.label, p.text, _recording(table, p.recording), p.recording))
            continue
        for v in voices:
            pcm = tts.render(p.text, voice=v, rate=REFERENCE_RATE).pcm
            out.append(Template.from_pcm(p.label, p.text, pcm, f"espeak:{v}"))
    return out


@lru_cache(maxsize=8)
def default_spotter(languages: tuple[str, ...] = ("zh", "en")) -> TemplateSpotter:
    """Templates of the built-in tables of ``languages`` (rendered once per process, ~2 s)."""
    templates: list[Template] = []
    for lang in languages:
        templates.extend(build_templates(load_table(lang)))
    return TemplateSpotter(templates)
