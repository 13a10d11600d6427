"""The speech commands: huashu tts, asr, models (exit codes, JSON, messages)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def test_models_json_lists_installed_models(run) -> None:
    res = run("models", "--json")
    assert res.exit_code == 0
    rows = json.loads(res.output)["models"]
    engines = {(r["engine"], r["installed"]) for r in rows}
    assert ("vosk", True) in engines and ("espeak", True) in engines
    assert all(r["how_to_get"] for r in rows)


@pytest.mark.audio
def test_tts_writes_wav_then_hits_cache(run, tmp_path: Path) -> None:
    out = tmp_path / "p.wav"
    first = json.loads(run("tts", "您好，这里是客服中心", "-o", str(out), "--json").output)
    assert first["provider"] == "espeak" and first["voice"] == "cmn-latn-pinyin" and not first["cached"]
    from telephony.media.audio import read_wav

    pcm, rate = read_wav(out)
    assert rate == 8000 and len(pcm) // 16 == first["duration_ms"]
    second = json.loads(run("tts", "您好，这里是客服中心", "--json").output)
    assert second["cached"]


def test_tts_usage_errors(run, tmp_path: Path) -> None:
    res = run("tts")
    assert res.exit_code == 2 and "exactly one of TEXT" in res.output
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    res = run("tts", "--script", str(bad))
    assert res.exit_code == 1 and "not JSON" in res.output
    res = run("tts", "hi", "--voice", "acme:x")
    assert res.exit_code == 1 and "unknown TTS provider 'acme'" in res.output


def test_tts_too_long_text_is_a_clear_error(run, tmp_path: Path) -> None:
    # Was: a traceback (OSError: Argument list too long, from espeak's argv).
    out = tmp_path / "x.wav"
    res = run("tts", "你好" * 20000, "-o", str(out), "--json")
    assert res.exit_code == 1 and not out.exists()
    assert json.loads(res.stdout.splitlines()[0])["error"].startswith("the prompt is 40,000 characters; the limit is 1,000")


@pytest.mark.audio
def test_tts_prerenders_a_library_script(run, library_dir: Path) -> None:
    script = next(library_dir.glob("*.json"))
    res = run("tts", "--script", str(script), "--json")
    report = json.loads(res.output)
    assert res.exit_code == 0 and report["ok"] and report["rendered"] > 0
    again = json.loads(run("tts", "--script", str(script), "--json").output)
    assert again["rendered"] == 0 and again["from_cache"] == report["rendered"]


def test_tts_upload_rejects_non_audio(run, tmp_path: Path) -> None:
    f = tmp_path / "notes.mp3"
    f.write_text("hello")
    res = run("tts", "--upload", str(f))
    assert res.exit_code == 2 and "notes.mp3: not audio" in res.output


@pytest.mark.audio
def test_asr_grammar_json(run, tmp_path: Path, espeak_8k) -> None:
    from telephony.media.audio import write_wav

    wav = tmp_path / "a.wav"
    write_wav(wav, espeak_8k("아니요", "ko"))
    res = run("asr", str(wav), "-p", "vosk", "--grammar", "-e", "아니요", "-e", "네", "-e", "이미", "--g711", "ulaw", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["text"] == "아니요" and not out["rejected"] and out["oov"] == ["이미"]


def test_asr_bad_input(run, tmp_path: Path) -> None:
    f = tmp_path / "x.wav"
    f.write_text("definitely not audio")
    res = run("asr", str(f))
    assert res.exit_code == 2 and "not audio" in res.output
    assert run("asr", str(tmp_path / "missing.wav")).exit_code == 2


def test_asr_refuses_a_long_reply_from_its_header(run, tmp_path: Path) -> None:
    # Was: 15 minutes of audio decoded and recognised (196 s, 1.26 GB) before "nothing recognised".
    from runtime.speech.replyfile import DEFAULT_MAX_SECONDS
    from telephony.media.audio import silence, write_wav

    wav = tmp_path / "long.wav"
    write_wav(wav, silence(90_000))
    res = run("asr", str(wav), "-p", "http", "--json")
    assert res.exit_code == 1
    assert json.loads(res.stdout)["error"] == f"{wav}: 90.0 s of audio; the limit for a reply is 60 s (--max-seconds to raise it)"
    # Raised, the file is read and the run goes on (to the recogniser, unconfigured here).
    res = run("asr", str(wav), "-p", "http", "--max-seconds", "120")
    assert res.exit_code == 1 and "limit for a reply" not in res.output and "asr_http_url" in res.output
    assert run("asr", str(wav), "--max-seconds", "0").exit_code == 2
    from huashu.cli.asr import cli as asr_cli

    default = next(p for p in asr_cli.params if p.name == "max_seconds").default
    assert default == DEFAULT_MAX_SECONDS
