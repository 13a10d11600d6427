"""PCM helpers: frames, resampling with headroom, WAV I/O, level normalisation."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from telephony.media.audio import (
    FRAME_BYTES,
    AudioError,
    duration_ms,
    frames,
    normalise_level,
    peak_dbfs,
    read_wav,
    resample_to_8k,
    rms_dbfs,
    write_wav,
)


def _tone(freq: float, rate: int, seconds: float, amp: float = 0.5) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    return (np.sin(2 * np.pi * freq * t) * amp * 32767).astype("<i2").tobytes()


def _dominant_hz(pcm: bytes, rate: int) -> float:
    x = np.frombuffer(pcm, dtype="<i2").astype(float)
    spec = np.abs(np.fft.rfft(x))
    return float(np.fft.rfftfreq(x.size, 1 / rate)[int(np.argmax(spec))])


def test_frames_pad_the_last_one() -> None:
    pcm = b"\x01\x00" * 170  # 340 bytes = one frame + 20 bytes
    out = list(frames(pcm))
    assert [len(f) for f in out] == [FRAME_BYTES, FRAME_BYTES]
    assert out[1][:20] == pcm[320:] and out[1][20:] == b"\x00" * 300


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 24000, 44100, 48000])
def test_resample_keeps_pitch_and_length(rate: int) -> None:
    out = resample_to_8k(_tone(440, rate, 1.0), rate)
    assert abs(duration_ms(out) - 1000) <= 1
    assert abs(_dominant_hz(out, 8000) - 440) <= 2


def test_resample_removes_content_above_nyquist() -> None:
    out = resample_to_8k(_tone(6000, 24000, 1.0), 24000)  # 6 kHz cannot exist at 8 kHz
    assert rms_dbfs(out) < -40


def test_resample_leaves_one_db_headroom_instead_of_clipping() -> None:
    loud = _tone(1000, 22050, 0.5, amp=1.0)
    out = resample_to_8k(loud, 22050)
    assert -1.05 <= peak_dbfs(out) <= -0.95
    quiet = resample_to_8k(_tone(1000, 16000, 0.5, amp=0.25), 16000)
    assert peak_dbfs(quiet) == pytest.approx(20 * np.log10(0.25), abs=0.2)  # not amplified


def test_wav_round_trip_and_stereo_mixdown(tmp_path: Path) -> None:
    pcm = _tone(300, 8000, 0.3)
    write_wav(tmp_path / "a.wav", pcm)
    assert read_wav(tmp_path / "a.wav") == (pcm, 8000)
    stereo = np.frombuffer(pcm, dtype="<i2").repeat(2).tobytes()
    with wave.open(str(tmp_path / "s.wav"), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(stereo)
    assert read_wav(tmp_path / "s.wav") == (pcm, 16000)


def test_read_wav_rejects_non_wav(tmp_path: Path) -> None:
    (tmp_path / "x.wav").write_bytes(b"not a wav at all")
    with pytest.raises(AudioError, match="not a PCM WAV"):
        read_wav(tmp_path / "x.wav")


def test_normalise_level_hits_target_and_respects_headroom() -> None:
    quiet = _tone(500, 8000, 0.5, amp=0.01)
    out = normalise_level(quiet, target_rms_dbfs=-20)
    assert rms_dbfs(out) == pytest.approx(-20, abs=0.2)
    spiky = np.zeros(8000, dtype="<i2")
    spiky[100] = 30000
    spiky[200:300] = 500
    limited = normalise_level(spiky.tobytes(), target_rms_dbfs=-10)
    assert peak_dbfs(limited) <= -0.95
    assert normalise_level(b"\x00\x00" * 800) == b"\x00\x00" * 800
