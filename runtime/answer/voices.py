"""The simulated network's voice: announcements and greetings rendered offline (espeak-ng),
brisk like operators' recordings, in voices other than the classifier's references."""

from __future__ import annotations

import asyncio
from functools import lru_cache

from runtime.speech.tts_espeak import EspeakProvider
from telephony.simulator.scenes import SceneVoice

__all__ = ["scene_voice", "NETWORK_VOICES"]

NETWORK_VOICES = {"zh": "cmn-latn-pinyin+m3", "en": "en-us+m3"}
_RATE = 1.15


@lru_cache(maxsize=256)
def _render(text: str, language: str) -> bytes:
    return EspeakProvider().render(text, voice=NETWORK_VOICES.get(language, NETWORK_VOICES["zh"]), rate=_RATE).pcm


def scene_voice() -> SceneVoice:
    """A :data:`~telephony.simulator.scenes.SceneVoice` (rendered once per text, off the loop)."""

    async def voice(text: str, language: str) -> bytes:
        return await asyncio.to_thread(_render, text, language)

    return voice
