"""Labelled clips of what answers a call, for the evaluation benchmark and the tests.

Each clip is what the classifier would hear in one phase: ringback of three regions, 彩铃
music, busy and congestion tones, SIT, operator announcements (with or without the prefix
cue) and, after answer, people's first words, voicemail and secretary greetings (with and
without the beep), screening prompts, IVR menus, fax tones and dead air. Speech is rendered
offline with espeak-ng in *other* voices and speeds than the references
(:mod:`.references`), then noise at a drawn SNR and a G.711 round trip are applied.
Deterministic from ``(seed, index)``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from runtime.speech.tts_espeak import EspeakProvider
from telephony.media.answer.classes import AnswerClass, Phase
from telephony.media.answer.phrases import load_table
from telephony.simulator import sounds as S

__all__ = ["Clip", "HUMAN_FIRST_WORDS", "OPENS_LIKE_A_MACHINE", "EVAL_VOICES", "generate", "clip_at", "RECIPES",
           "people_like_machines"]

A = AnswerClass

HUMAN_FIRST_WORDS: dict[str, tuple[str, ...]] = {
    "zh": ("喂？", "喂，你好", "你好，哪位？", "喂，谁啊", "哎，你好", "喂，您好", "嗯，喂？", "你好"),
    "en": ("hello?", "who's this", "hello, yes?", "hi, who is calling", "yeah, hello", "hello"),
}
#: People whose first words open like an operator's announcement or a machine's greeting
#: (对不起… / 您好，请问…): a set of their own (:func:`people_like_machines`), every voice and speed.
OPENS_LIKE_A_MACHINE: tuple[str, ...] = ("对不起，刚才没听清", "您好，请问哪位", "对不起，您是哪位？", "您好，您找谁？",
                                        "对不起，我现在不方便", "您好，请问您是哪里")
#: Voices the evaluation speaks with: none of them is a reference voice.
EVAL_VOICES: dict[str, tuple[str, ...]] = {
    "zh": ("cmn-latn-pinyin+m3", "cmn-latn-pinyin+f4", "cmn-latn-pinyin+m6", "cmn-latn-pinyin+f3"),
    "en": ("en-us+m3", "en-us+f4", "en-gb+m6", "en-us+f3"),
}
_RATES = (0.9, 1.0, 1.15, 1.3)
_SNRS = (30.0, 20.0, 12.0)


@dataclass(frozen=True, slots=True)
class Clip:
    label: AnswerClass
    phase: Phase
    pcm: bytes
    about: str


@lru_cache(maxsize=4096)
def _say(text: str, voice: str, rate: float) -> bytes:
    return S.trim_edges(EspeakProvider().render(text, voice=voice, rate=rate).pcm)


def _speech(rng: random.Random, lang: str, text: str) -> tuple[bytes, str]:
    voice = rng.choice(EVAL_VOICES[lang])
    rate = rng.choice(_RATES)
    return _say(text, voice, rate), f"{voice} x{rate}"


def _line(rng: random.Random, pcm: bytes) -> tuple[bytes, str]:
    snr = rng.choice(_SNRS)
    law = rng.choice(("alaw", "ulaw"))
    return S.through_g711(S.add_noise(pcm, rng, snr), law), f"SNR {snr:.0f} dB, {law}"


def _phrases(label: AnswerClass) -> list[tuple[str, str]]:
    return [(t.language, p.text) for t in (load_table("zh"), load_table("en")) for p in t.phrases
            if p.label == label.value]


def _announcement(label: AnswerClass, phase: Phase) -> Callable[[random.Random], Clip]:
    def make(rng: random.Random) -> Clip:
        lang, text = rng.choice(_phrases(label))
        speech, voice = _speech(rng, lang, text)
        lead = S.prefix_tone(rng.randrange(2)) if rng.random() < 0.6 else S.gap(rng.uniform(0.05, 0.4))
        pcm, line = _line(rng, S.concat(lead, speech, S.gap(1.5)))
        return Clip(label, phase, pcm, f"{text!r} {voice}, {line}")

    return make


def _greeting(label: AnswerClass) -> Callable[[random.Random], Clip]:
    def make(rng: random.Random) -> Clip:
        lang, text = rng.choice(_phrases(label))
        speech, voice = _speech(rng, lang, text)
        tail = S.concat(S.gap(0.3), S.beep(rng.choice((1000.0, 1400.0, 800.0)))) if label is A.VOICEMAIL and rng.random() < 0.5 else b""
        pcm, line = _line(rng, S.concat(S.gap(rng.uniform(0.1, 0.6)), speech, tail, S.gap(2.0)))
        return Clip(label, Phase.ANSWERED, pcm, f"{text!r} {voice}{' + beep' if tail else ''}, {line}")

    return make


def _human(rng: random.Random) -> Clip:
    lang = "zh" if rng.random() < 0.65 else "en"
    text = rng.choice(HUMAN_FIRST_WORDS[lang])
    speech, voice = _speech(rng, lang, text)
    pcm, line = _line(rng, S.concat(S.gap(rng.uniform(0.2, 1.0)), speech, S.gap(3.5)))
    return Clip(A.HUMAN, Phase.ANSWERED, pcm, f"{text!r} {voice}, {line}")


def people_like_machines(phase: Phase = Phase.ANSWERED, seed: int = 0) -> Iterator[Clip]:
    """Each of :data:`OPENS_LIKE_A_MACHINE` in every evaluation voice and speed, on a noisy
    G.711 line (``phase``: also heard as if in early media, where nobody should be)."""
    rng = random.Random(f"people-like-machines:{seed}")
    for text in OPENS_LIKE_A_MACHINE:
        for voice in EVAL_VOICES["zh"]:
            for rate in _RATES:
                pcm, line = _line(rng, S.concat(S.gap(rng.uniform(0.2, 1.0)), _say(text, voice, rate), S.gap(3.5)))
                yield Clip(A.HUMAN, phase, pcm, f"{text!r} {voice} x{rate}, {line}")


def _tone_clip(label: AnswerClass, phase: Phase, make_pcm: Callable[[random.Random], tuple[bytes, str]]
               ) -> Callable[[random.Random], Clip]:
    def make(rng: random.Random) -> Clip:
        raw, about = make_pcm(rng)
        pcm, line = _line(rng, S.scale_db(raw, rng.uniform(-6.0, 4.0)))
        return Clip(label, phase, pcm, f"{about}, {line}")

    return make


def _region(rng: random.Random) -> str:
    return rng.choice(("cn", "cn", "us", "eu"))


def _ringback(rng: random.Random) -> tuple[bytes, str]:
    r = _region(rng)
    off = rng.choice((0.0, 0.0, rng.uniform(0.0, 0.6)))
    return S.gap(rng.uniform(0.0, 0.5)) + S.ringback(r, 6.0, offset_s=off), f"{r} ringback"


def _busy(rng: random.Random) -> tuple[bytes, str]:
    r = _region(rng)
    return S.busy_tone(r, 4.0), f"{r} busy tone"


def _congestion(rng: random.Random) -> tuple[bytes, str]:
    r = _region(rng)
    return S.congestion_tone(r, 4.0), f"{r} congestion tone"


def _music(rng: random.Random) -> tuple[bytes, str]:
    return S.music(rng, 6.0), "synthesised 彩铃"


def _sit(rng: random.Random) -> tuple[bytes, str]:
    return S.concat(S.gap(rng.uniform(0.0, 0.4)), S.sit(), S.gap(2.0)), "SIT"


def _fax(rng: random.Random) -> tuple[bytes, str]:
    if rng.random() < 0.5:
        return S.fax_cng(5.0), "fax CNG"
    return S.concat(S.gap(0.3), S.fax_ced(3.3)), "fax CED"


def _silence(rng: random.Random) -> tuple[bytes, str]:
    return S.scale_db(S.add_noise(S.tone((200.0,), 5.0, -60.0), rng, 0.0), -10.0), "line noise only"


#: (label, phase, maker, weight): the evaluation mix (weights are relative counts).
RECIPES: tuple[tuple[AnswerClass, Phase, Callable[[random.Random], Clip], int], ...] = (
    (A.RINGBACK, Phase.EARLY, _tone_clip(A.RINGBACK, Phase.EARLY, _ringback), 4),
    (A.RINGBACK_MUSIC, Phase.EARLY, _tone_clip(A.RINGBACK_MUSIC, Phase.EARLY, _music), 4),
    (A.BUSY_TONE, Phase.EARLY, _tone_clip(A.BUSY_TONE, Phase.EARLY, _busy), 2),
    (A.CONGESTION_TONE, Phase.EARLY, _tone_clip(A.CONGESTION_TONE, Phase.EARLY, _congestion), 2),
    (A.SIT, Phase.EARLY, _tone_clip(A.SIT, Phase.EARLY, _sit), 2),
    (A.SILENCE, Phase.EARLY, _tone_clip(A.SILENCE, Phase.EARLY, _silence), 1),
    *((a, Phase.EARLY, _announcement(a, Phase.EARLY), 4) for a in (
        A.ANNOUNCEMENT_INVALID, A.ANNOUNCEMENT_SUSPENDED, A.ANNOUNCEMENT_POWERED_OFF, A.ANNOUNCEMENT_BUSY,
        A.ANNOUNCEMENT_UNREACHABLE)),
    *((a, Phase.ANSWERED, _announcement(a, Phase.ANSWERED), 1) for a in (
        A.ANNOUNCEMENT_INVALID, A.ANNOUNCEMENT_SUSPENDED, A.ANNOUNCEMENT_POWERED_OFF, A.ANNOUNCEMENT_BUSY,
        A.ANNOUNCEMENT_UNREACHABLE)),
    (A.HUMAN, Phase.ANSWERED, _human, 12),
    (A.VOICEMAIL, Phase.ANSWERED, _greeting(A.VOICEMAIL), 4),
    (A.SCREENING, Phase.ANSWERED, _greeting(A.SCREENING), 3),
    (A.IVR, Phase.ANSWERED, _greeting(A.IVR), 3),
    (A.FAX, Phase.ANSWERED, _tone_clip(A.FAX, Phase.ANSWERED, _fax), 2),
    (A.SILENCE, Phase.ANSWERED, _tone_clip(A.SILENCE, Phase.ANSWERED, _silence), 1),
)
_PLAN = [i for i, r in enumerate(RECIPES) for _ in range(r[3])]


def clip_at(index: int, seed: int = 0) -> Clip:
    """Clip number ``index`` of the evaluation set: the mix cycles through :data:`RECIPES`."""
    recipe = RECIPES[_PLAN[index % len(_PLAN)]]
    return recipe[2](random.Random(f"answer-clip:{seed}:{index}"))


def generate(n: int, seed: int = 0) -> Iterator[Clip]:
    for i in range(n):
        yield clip_at(i, seed)
