"""What the simulated network plays instead of a person: announcements, 彩铃, machines.

A :class:`Scene` is chosen by the carrier plan (:mod:`.carrier`) and rendered to audio here:
tones and music are synthesised (:mod:`.sounds`), words come from a :data:`SceneVoice` the
caller supplies (the runtime's offline TTS: telephony cannot import it) in the carriers' own
wording, taken from the phrase tables the classifier uses. Announcements start with the
prefix cue; voicemail greetings may end with the beep.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telephony.media.answer.phrases import load_table
from telephony.simulator import sounds as S

__all__ = ["Scene", "SceneVoice", "render_scene", "wording", "MACHINE_LABELS", "scene_for"]

#: Renders the far end's words to 8 kHz 16-bit mono PCM: ``(text, language) -> pcm``.
SceneVoice = Callable[[str, str], Awaitable[bytes]]
MACHINE_LABELS = ("voicemail", "screening", "ivr", "fax")
_MAX_SCENE_S = 12.0
_RINGBACK_TUNES = 12  # subscribers pick their 彩铃 from a catalogue


@dataclass(frozen=True, slots=True)
class Scene:
    """What plays: ``label`` is the answer class a classifier should hear, ``phase`` when."""

    label: str
    phase: str  # early | answered
    text: str = ""
    language: str = "zh"
    region: str = "cn"
    prefix: int | None = 0  # which prefix cue before an announcement (None: none)
    beep: bool = False
    music_seed: int = 0


def wording(label: str, language: str) -> tuple[str, ...]:
    """The carriers' phrases for ``label`` in ``language`` (from the classifier's phrase table)."""
    table = load_table(language if language in ("zh", "en") else "zh")
    return tuple(p.text for p in table.phrases if p.label == label)


def scene_for(label: str, phase: str, rng: random.Random, language: str = "zh", region: str = "cn") -> Scene:
    """A scene of ``label`` with its details (wording, prefix, beep) drawn from ``rng``."""
    texts = wording(label, language) if label not in ("fax", "ringback_music", "sit") else ()
    text = rng.choice(texts) if texts else ""
    is_announcement = label.startswith("announcement_")
    return Scene(label, phase, text, language, region,
                 prefix=rng.randrange(2) if is_announcement and rng.random() < 0.7 else None,
                 beep=label == "voicemail" and rng.random() < 0.6, music_seed=rng.randrange(_RINGBACK_TUNES))


async def render_scene(scene: Scene, voice: SceneVoice | None) -> bytes:
    """The scene's audio, at most 12 s. Words need ``voice``; without one they are left out."""
    words = S.trim_edges(await voice(scene.text, scene.language)) if scene.text and voice is not None else b""
    if scene.label == "ringback_music":
        pcm = S.music(random.Random(scene.music_seed), 10.0)
    elif scene.label == "fax":
        pcm = S.concat(S.gap(0.3), S.fax_ced(3.3), S.gap(1.0))
    elif scene.label == "sit":
        pcm = S.concat(S.sit(), words, S.gap(1.0))
    elif scene.label.startswith("announcement_"):
        cue = S.prefix_tone(scene.prefix) if scene.prefix is not None else S.gap(0.2)
        pcm = S.concat(cue, words, S.gap(1.0))
    else:  # voicemail, screening, ivr
        tail = S.concat(S.gap(0.3), S.beep()) if scene.beep else b""
        pcm = S.concat(S.gap(0.3), words, tail, S.gap(1.5))
    return pcm[: int(_MAX_SCENE_S * 8000) * 2]
