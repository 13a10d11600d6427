"""Reading a recorded reply for `huashu asr`: the length limit comes from the header, before decoding."""

from __future__ import annotations

import shutil
import struct
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from runtime.speech import replyfile
from runtime.speech.replyfile import DEFAULT_MAX_SECONDS, NotAudio, ReplyTooLong, read_reply_8k
from telephony.media.audio import read_wav, resample_to_8k


def _wav(path: Path, seconds: float, rate: int = 16000, channels: int = 1, width: int = 2) -> Path:
    n = int(seconds * rate)
    t = np.arange(n) / rate
    x = (0.3 * np.sin(2 * np.pi * 440 * t) * (2 ** (8 * width - 1) - 1)).astype(np.int64)
    frames = np.repeat(x, channels)
    if width == 2:
        raw = frames.astype("<i2").tobytes()
    elif width == 3:
        raw = b"".join(int(v).to_bytes(3, "little", signed=True) for v in frames)
    else:
        raise ValueError(width)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(raw)
    return path


def _lying_wav(path: Path, declared_s: float, actual_s: float, rate: int = 8000) -> Path:
    """A WAV whose header declares ``declared_s`` seconds but holds only ``actual_s``."""
    data = b"\x00\x01" * int(actual_s * rate)
    size = int(declared_s * rate) * 2
    header = b"RIFF" + struct.pack("<I", 36 + size) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    path.write_bytes(header + b"data" + struct.pack("<I", size) + data)
    return path


def test_chunked_wav_read_equals_the_whole_file_read(tmp_path: Path) -> None:
    # 3.5 s of 24-bit stereo at 16 kHz: four chunks, partial last one, channels averaged.
    f = _wav(tmp_path / "r.wav", 3.5, rate=16000, channels=2, width=3)
    pcm, rate = read_wav(f)
    assert read_reply_8k(f) == resample_to_8k(pcm, rate)
    assert len(read_reply_8k(f)) == 3.5 * 8000 * 2


def test_too_long_is_refused_from_the_header_without_reading_the_audio(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # The header says 15 minutes; the file holds one second. Refused at once, by the header.
    f = _lying_wav(tmp_path / "long.wav", declared_s=900, actual_s=1)
    monkeypatch.setattr(replyfile, "to_mono16", lambda *a: pytest.fail("audio was decoded"))
    with pytest.raises(ReplyTooLong, match=r"long.wav: 900.0 s of audio; the limit for a reply is 60 s") as err:
        read_reply_8k(f)
    assert (err.value.seconds, err.value.limit) == (900.0, DEFAULT_MAX_SECONDS)


def test_the_limit_can_be_raised(tmp_path: Path) -> None:
    f = _wav(tmp_path / "r.wav", 3.0, rate=8000)
    with pytest.raises(ReplyTooLong, match="3.0 s of audio; the limit for a reply is 2 s"):
        read_reply_8k(f, max_seconds=2)
    assert len(read_reply_8k(f, max_seconds=3)) == 3 * 8000 * 2


@pytest.mark.audio
def test_compressed_file_too_long_is_refused_from_ffprobe(tmp_path: Path) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (Debian package ffmpeg)")
    f = tmp_path / "reply.ogg"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000:duration=5",
                    "-ac", "1", "-c:a", "libvorbis", "-y", str(f)], check=True)
    with pytest.raises(ReplyTooLong, match=r"reply.ogg: 5.0 s of audio; the limit for a reply is 2 s"):
        read_reply_8k(f, max_seconds=2)
    assert abs(len(read_reply_8k(f, max_seconds=10)) - 5 * 8000 * 2) <= 8000  # decoded from the file


def test_not_audio_and_missing_files(tmp_path: Path) -> None:
    f = tmp_path / "notes.wav"
    f.write_text("definitely not audio")
    if shutil.which("ffprobe") is not None:
        with pytest.raises(NotAudio):
            read_reply_8k(f)
    with pytest.raises(OSError):
        read_reply_8k(tmp_path / "missing.wav")
    with pytest.raises(ValueError, match="positive"):
        read_reply_8k(f, max_seconds=0)
