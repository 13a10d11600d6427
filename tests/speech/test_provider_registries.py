"""Providers by name: each kind's registry, the capabilities on the providers' protocols, and
the chains built from them (nothing asks a provider's class or name what it can do)."""

from __future__ import annotations

from pathlib import Path

import pytest

from huashu.core.config import Settings
from huashu.core.errors import HuashuError, UserError
from huashu.core.registry import Registry, UnknownName
from runtime.speech.asr import ASR_PROVIDERS, build_asr
from runtime.speech.asr_base import AsrError
from runtime.speech.recordings import RecordingProvider
from runtime.speech.tts import TTS_PROVIDERS, FallbackTts, RenderedPrompt, TtsError, build_tts, offline_chain
from runtime.speech.tts_base import TtsBase
from runtime.speech.tts_kokoro import kokoro_installed


def test_a_registry_names_what_it_knows_when_asked_for_something_else() -> None:
    reg: Registry[int] = Registry("widget")
    reg.register("a", 1)
    reg.register("b", 2)
    assert reg.get("b") == 2 and reg.names() == ("a", "b") and "a" in reg and "c" not in reg
    with pytest.raises(UnknownName, match=r"unknown widget 'c' \(known: a, b\)") as e:
        reg.get("c")
    assert isinstance(e.value, UserError)
    with pytest.raises(RuntimeError, match="registered twice"):
        reg.register("a", 3)


def test_an_unknown_provider_is_the_kinds_error_and_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(TtsError, match=r"unknown TTS provider 'festival' in settings \(edge, kokoro, piper, espeak, "
                                       r"recording\)") as tts:
        build_tts(Settings(data_dir=tmp_path, speech={"tts_provider": "festival"}))
    with pytest.raises(AsrError, match=r"unknown ASR provider 'kaldi' \(auto, vosk, whisper, http\)") as asr:
        build_asr(Settings(data_dir=tmp_path, speech={"asr_provider": "kaldi"}))
    assert isinstance(tts.value, UserError) and isinstance(asr.value, UserError)
    assert set(ASR_PROVIDERS) == {"vosk", "whisper", "http"}


def test_capabilities_are_on_the_provider_classes() -> None:
    edge, espeak, recording = (TTS_PROVIDERS.get(n) for n in ("edge", "espeak", "recording"))
    assert edge.needs_network and not espeak.needs_network
    assert recording.languages == frozenset()  # plays what a voice names, speaks no text
    assert TTS_PROVIDERS.get("kokoro").languages == frozenset({"zh"})
    assert TTS_PROVIDERS.get("kokoro").available() == kokoro_installed()


def test_the_offline_chain_is_every_installed_offline_text_provider(tmp_path: Path) -> None:
    names = [p.name for p in offline_chain(Settings(data_dir=tmp_path)).providers]
    assert names == [*(["kokoro"] if kokoro_installed() else []), "piper", "espeak"]


class _Reader(TtsBase):
    name = "reader"

    def __init__(self) -> None:
        self.said: list[str] = []

    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> RenderedPrompt:
        self.said.append(text)
        return RenderedPrompt.of(b"\x10\x00" * 800, self.name, voice or "v")


def test_a_missing_recording_id_is_never_read_aloud_even_where_recordings_are_not_configured() -> None:
    """The chain asks the registry what a ``recording:`` voice is when no recording provider is
    in it (the offline chain has none): one that speaks no text, so the id is not spoken."""
    reader = _Reader()
    chain = FallbackTts([reader])
    with pytest.raises(TtsError, match="not configured here"):
        chain.render("4f1c2a9e0b7d6c5a", voice="recording:4f1c2a9e0b7d6c5a")
    assert reader.said == []
    out = chain.render("您好", voice="recording:4f1c2a9e0b7d6c5a")  # real prompt text: spoken instead
    assert out.provider == "reader" and reader.said == ["您好"]
    assert any("recording: not configured here" in w for w in out.warnings)


def test_a_recording_is_no_fallback_for_text(tmp_path: Path) -> None:
    reader = _Reader()
    chain = FallbackTts([RecordingProvider.from_settings(Settings(data_dir=tmp_path)), reader])
    assert chain.render("hello").provider == "reader"
    assert chain.voice_for("hello") == "default" and chain.languages >= reader.languages


def test_the_error_classes_share_the_root() -> None:
    from runtime.campaigns.drivers import RunnerError, UnknownDriver

    assert issubclass(TtsError, HuashuError) and issubclass(AsrError, HuashuError)
    assert issubclass(UnknownDriver, RunnerError) and issubclass(UnknownDriver, UserError)
