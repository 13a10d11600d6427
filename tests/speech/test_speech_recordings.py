"""Uploaded recordings: any format in, 8 kHz normalised out; not-audio and too-long rejected."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from runtime.speech.recordings import (
    PromptRecordingStore,
    RecordingError,
    RecordingProvider,
    normalise_upload,
)
from runtime.speech.tts import FallbackTts, TtsError
from telephony.media.audio import duration_ms, peak_dbfs, rms_dbfs

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed (Debian ffmpeg)")


def _encode(tmp: Path, name: str, seconds: float, rate: int = 44100, channels: int = 2, volume: float = 0.05) -> bytes:
    out = tmp / name
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate={rate}:duration={seconds}",
         "-af", f"volume={volume}", "-ac", str(channels), "-y", str(out)],
        check=True,
    )
    return out.read_bytes()


@pytest.mark.parametrize("name", ["prompt.mp3", "prompt.ogg", "prompt.wav", "prompt.m4a"])
def test_common_formats_become_8k_at_the_prompt_level(tmp_path: Path, name: str) -> None:
    pcm = normalise_upload(_encode(tmp_path, name, 2.0), name)
    assert abs(duration_ms(pcm) - 2000) <= 60  # codecs pad a little
    assert rms_dbfs(pcm) == pytest.approx(-20, abs=0.5)
    assert peak_dbfs(pcm) <= -0.95


def test_not_audio_is_rejected_with_the_file_name(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match=r"notes\.mp3: not audio"):
        normalise_upload(b"these are my meeting notes, not a song" * 20, "notes.mp3")
    with pytest.raises(RecordingError, match="empty"):
        normalise_upload(b"", "x.wav")


def test_too_long_is_rejected(tmp_path: Path) -> None:
    data = _encode(tmp_path, "long.mp3", 3.0)
    with pytest.raises(RecordingError, match=r"long\.mp3: too long .*limit is 2 s"):
        normalise_upload(data, "long.mp3", max_seconds=2)


def test_silent_upload_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="silent"):
        normalise_upload(_encode(tmp_path, "s.wav", 1.0, volume=0.0), "s.wav")


def test_store_and_play_through_the_tts_chain(tmp_path: Path) -> None:
    store = PromptRecordingStore(tmp_path / "rec")
    rid = store.save(_encode(tmp_path, "a.mp3", 1.0), "a.mp3")
    assert store.save(_encode(tmp_path, "a.mp3", 1.0), "a.mp3") == rid  # same audio, same id
    tts = FallbackTts([RecordingProvider(store)])
    out = tts.render(rid, "recording:")
    assert out.provider == "recording" and abs(out.duration_ms - 1000) <= 60
    with pytest.raises(TtsError, match="does not exist"):
        tts.render("0" * 32, "recording:")
    with pytest.raises(RecordingError, match="not a recording id"):
        store.path("../../etc/passwd")


@pytest.mark.audio
def test_recording_voice_with_prompt_text_falls_back_to_tts_when_missing(tmp_path: Path) -> None:
    from runtime.speech.tts import EspeakProvider

    store = PromptRecordingStore(tmp_path / "rec")
    rid = store.save(_encode(tmp_path, "a.wav", 1.0), "a.wav")
    tts = FallbackTts([RecordingProvider(store), EspeakProvider()])
    played = tts.render("您好，欢迎致电", f"recording:{rid}")
    assert played.provider == "recording" and played.voice == rid and not played.warnings
    missing = "f" * 32
    spoken = tts.render("您好，欢迎致电", f"recording:{missing}")
    assert spoken.provider == "espeak" and spoken.warnings[0].startswith(f"recording: recording {missing} does not exist")
    with pytest.raises(TtsError, match="does not exist"):  # nothing but the id to say: never read it aloud
        tts.render(missing, f"recording:{missing}")


def test_build_tts_always_can_play_recordings(tmp_path: Path) -> None:
    from huashu.core.config import Settings
    from runtime.speech.tts import build_tts

    chain = build_tts(Settings(data_dir=tmp_path, speech={"tts_provider": "espeak", "tts_fallbacks": ["piper", "espeak"]}))
    assert [p.name for p in chain.providers] == ["espeak", "piper", "recording"]
    from runtime.speech.tts_kokoro import kokoro_installed

    natural = ["kokoro"] if kokoro_installed() else []  # the offline Mandarin voice, when installed
    assert [p.name for p in build_tts(Settings(data_dir=tmp_path)).providers] == ["edge", *natural, "piper", "espeak", "recording"]
