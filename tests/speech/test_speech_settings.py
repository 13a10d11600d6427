"""Choosing providers from settings: the recogniser and the TTS chain a deployment asks for."""

from __future__ import annotations

from pathlib import Path

import pytest

from huashu.core.config import Settings
from runtime.speech.asr import (
    AsrError,
    HttpAsrProvider,
    VoskProvider,
    VoskServerProvider,
    WhisperProvider,
    build_asr,
)
from runtime.speech.tts import TtsError, build_tts


def _settings(tmp_path: Path, **speech: object) -> Settings:
    return Settings(data_dir=tmp_path, speech=speech)


def test_http_when_a_server_is_configured(tmp_path: Path) -> None:
    asr = build_asr(_settings(tmp_path, asr_http_url="http://127.0.0.1:9"), language="zh")
    assert isinstance(asr, HttpAsrProvider) and asr.url == "http://127.0.0.1:9/v1/audio/transcriptions"
    ws = build_asr(_settings(tmp_path, asr_http_url="ws://127.0.0.1:2700"))
    assert isinstance(ws, VoskServerProvider) and ws.url == "ws://127.0.0.1:2700"
    with pytest.raises(AsrError, match="asr_http_url is not set"):
        build_asr(_settings(tmp_path, asr_provider="http"))


def test_unknown_names_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(AsrError, match="unknown ASR provider 'kaldi'"):
        build_asr(_settings(tmp_path, asr_provider="kaldi"))
    with pytest.raises(TtsError, match="unknown TTS provider 'festival'"):
        build_tts(_settings(tmp_path, tts_provider="festival"))


def test_configured_vosk_path_that_is_not_a_model(tmp_path: Path) -> None:
    with pytest.raises(AsrError, match="not a vosk model directory"):
        build_asr(_settings(tmp_path, asr_provider="vosk", vosk_model=str(tmp_path)))


def test_configured_vosk_path_says_which_mistake_it_is(tmp_path: Path) -> None:
    missing = tmp_path / "vosk-model-small-cn-0.22"
    with pytest.raises(AsrError, match=f"vosk model: {missing} does not exist; see `huashu models`"):
        build_asr(_settings(tmp_path, asr_provider="vosk", vosk_model=str(missing)))
    archive = tmp_path / "vosk-model-small-cn-0.22.zip"
    archive.write_bytes(b"PK")
    with pytest.raises(AsrError, match="is a file, not a vosk model directory"):
        build_asr(_settings(tmp_path, asr_provider="vosk", vosk_model=str(archive)))
    from runtime.speech.model_files import installed_models

    (row,) = [r for r in installed_models(vosk_model=str(missing)) if r.language == "configured"]
    assert not row.installed and row.how_to_get.startswith(f"speech.vosk_model: {missing} does not exist")


@pytest.mark.audio
def test_default_vosk_is_the_packaged_korean_model(tmp_path: Path, vosk_ko: VoskProvider) -> None:
    asr = build_asr(_settings(tmp_path, asr_provider="vosk"))
    assert isinstance(asr, VoskProvider) and asr.model is vosk_ko.model


def test_auto_prefers_whisper_assembled_in_the_data_dir(whisper_dir: Path, tmp_path: Path) -> None:
    asr = build_asr(_settings(tmp_path, whisper_model_dir=str(whisper_dir)), language="en")
    assert isinstance(asr, WhisperProvider) and asr.language == "en" and asr.model_dir == whisper_dir
    with pytest.raises(AsrError, match="has no model.bin"):
        build_asr(_settings(tmp_path, asr_provider="whisper", whisper_model_dir=str(tmp_path)))
