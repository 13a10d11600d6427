"""Helpers for the closed-set tests: a recogniser that says what it is told, and audio the VAD hears."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

import numpy as np

from runtime.speech.asr_base import AsrResult


def noise_turn(speech_ms: int = 800, silence_ms: int = 1000, seed: int = 1) -> bytes:
    """8 kHz PCM: a burst webrtcvad takes for speech, then silence that ends the turn."""
    rng = np.random.default_rng(seed)
    burst = (rng.standard_normal(speech_ms * 8) * 3000).clip(-32000, 32000).astype("<i2")
    return burst.tobytes() + bytes(silence_ms * 16)


class ScriptedAsr:
    """Each new stream returns the next text of ``texts`` (confidence 0.9); records what it was asked."""

    name = "scripted"

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = deque(texts)
        self.asked: list[dict[str, Any]] = []
        self.peeks = 0  # speculative decodes asked for (streams' peek())

    def new_stream(self, expected: Sequence[str] = (), grammar: bool = False, hotwords: Sequence[str] = ()) -> Any:
        self.asked.append({"expected": tuple(expected), "hotwords": tuple(hotwords)})
        return _Stream(self.texts.popleft() if self.texts else "", self)


class _Stream:
    def __init__(self, text: str, owner: ScriptedAsr) -> None:
        self.text = text
        self.owner = owner
        self.frames = 0

    def accept(self, frame: bytes) -> None:
        self.frames += 1

    def peek(self) -> AsrResult:
        self.owner.peeks += 1
        return self.finish()

    def finish(self) -> AsrResult:
        if not self.text:
            return AsrResult("", 0.0, rejected=True, provider="scripted", reason="nothing recognised")
        return AsrResult(self.text, 0.9, provider="scripted", audio_ms=self.frames * 20)
