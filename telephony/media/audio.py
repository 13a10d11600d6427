"""16-bit mono PCM helpers for the phone line: 20 ms frames, resampling to 8 kHz, WAV files, levels.

Every prompt and every customer utterance becomes 8 kHz 16-bit mono before it meets a codec,
VAD or recogniser. Resampling is polyphase (scipy) and keeps ``headroom_db`` below full scale:
neural voices peak near 0 dBFS and the anti-alias filter's ringing would otherwise clip
(piper's output does, measured).
"""

from __future__ import annotations

import wave
from collections.abc import Iterator
from math import gcd
from pathlib import Path

import numpy as np
import numpy.typing as npt

from huashu.core.errors import UserError

__all__ = [
    "SAMPLE_RATE",
    "FRAME_MS",
    "FRAME_BYTES",
    "AudioError",
    "frames",
    "resample",
    "resample_to_8k",
    "read_wav",
    "to_mono16",
    "write_wav",
    "wav_bytes",
    "duration_ms",
    "peak_dbfs",
    "rms_dbfs",
    "normalise_level",
    "silence",
]

SAMPLE_RATE = 8000
FRAME_MS = 20
FRAME_BYTES = SAMPLE_RATE * FRAME_MS // 1000 * 2  # 320
_FULL = 32767.0


class AudioError(UserError):
    """Audio that cannot be used: wrong sample format, unreadable WAV, odd byte count."""


def _to_float(pcm: bytes) -> npt.NDArray[np.float64]:
    if len(pcm) % 2:
        raise AudioError(f"16-bit PCM must have an even number of bytes, got {len(pcm)}")
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


def _to_pcm(x: npt.NDArray[np.float64]) -> bytes:
    return np.clip(np.round(x), -32768, 32767).astype("<i2").tobytes()


def frames(pcm: bytes, frame_bytes: int = FRAME_BYTES) -> Iterator[bytes]:
    """Split PCM into fixed frames; the last one is padded with silence, never dropped."""
    for i in range(0, len(pcm), frame_bytes):
        chunk = pcm[i : i + frame_bytes]
        if len(chunk) < frame_bytes:
            chunk = chunk + b"\x00" * (frame_bytes - len(chunk))
        yield chunk


def silence(ms: int, rate: int = SAMPLE_RATE) -> bytes:
    return b"\x00\x00" * (rate * ms // 1000)


def _limit_peak(x: npt.NDArray[np.float64], headroom_db: float) -> npt.NDArray[np.float64]:
    limit = _FULL * 10 ** (-headroom_db / 20)
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    return x * (limit / peak) if peak > limit else x


def resample(pcm: bytes, rate: int, target: int, headroom_db: float = 1.0) -> bytes:
    """Resample 16-bit mono PCM from ``rate`` to ``target`` Hz, scaling down if the peak would
    come closer than ``headroom_db`` to full scale (never clipping)."""
    if rate <= 0 or target <= 0:
        raise AudioError(f"sample rates must be positive, got {rate} -> {target}")
    x = _to_float(pcm)
    if rate != target and x.size:
        from scipy.signal import resample_poly  # imported late: scipy costs ~0.2 s to import

        g = gcd(rate, target)
        x = resample_poly(x, target // g, rate // g)
    return _to_pcm(_limit_peak(x, headroom_db))


def resample_to_8k(pcm: bytes, rate: int, headroom_db: float = 1.0) -> bytes:
    """Any-rate 16-bit mono PCM -> 8 kHz, with ``headroom_db`` dB below full scale kept free."""
    return resample(pcm, rate, SAMPLE_RATE, headroom_db)


def read_wav(path: str | Path) -> tuple[bytes, int]:
    """Read a PCM WAV (8/16/24/32-bit integer, any channels) as 16-bit mono bytes and its rate.

    Channels are averaged; other encodings (float, compressed) raise :class:`AudioError` —
    uploads in such formats go through :func:`runtime.speech.recordings.normalise_upload`.
    """
    try:
        with wave.open(str(path), "rb") as w:
            width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise AudioError(f"{path}: not a PCM WAV file ({exc})") from exc
    return _mono16(raw, width, channels, str(path)), rate


def to_mono16(raw: bytes, width: int, channels: int, where: str = "audio") -> bytes:
    """Whole interleaved integer PCM frames (8/16/24/32-bit, any channels) -> 16-bit mono, as
    :func:`read_wav` converts them; for reading a WAV a chunk of frames at a time."""
    return _mono16(raw, width, channels, where)


def _mono16(raw: bytes, width: int, channels: int, where: str) -> bytes:
    if width == 1:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) * 256.0
    elif width == 2:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float64)
    elif width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = (np.where(v >= 1 << 23, v - (1 << 24), v) / 256.0).astype(np.float64)
    elif width == 4:
        x = np.frombuffer(raw, dtype="<i4").astype(np.float64) / 65536.0
    else:
        raise AudioError(f"{where}: unsupported sample width {width} bytes")
    if channels > 1:
        usable = x.size - x.size % channels
        x = x[:usable].reshape(-1, channels).mean(axis=1)
    return _to_pcm(x)


def wav_bytes(pcm: bytes, rate: int = SAMPLE_RATE) -> bytes:
    """A complete 16-bit mono WAV file in memory (for HTTP uploads and browser playback)."""
    import io

    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return buf.getvalue()


def write_wav(path: str | Path, pcm: bytes, rate: int = SAMPLE_RATE) -> None:
    if len(pcm) % 2:
        raise AudioError(f"16-bit PCM must have an even number of bytes, got {len(pcm)}")
    Path(path).write_bytes(wav_bytes(pcm, rate))


def duration_ms(pcm: bytes, rate: int = SAMPLE_RATE) -> int:
    return len(pcm) // 2 * 1000 // rate


def peak_dbfs(pcm: bytes) -> float:
    x = _to_float(pcm)
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    return 20 * np.log10(peak / _FULL) if peak else float("-inf")


def rms_dbfs(pcm: bytes) -> float:
    x = _to_float(pcm)
    rms = float(np.sqrt(np.mean(x * x))) if x.size else 0.0
    return 20 * np.log10(rms / _FULL) if rms else float("-inf")


def normalise_level(pcm: bytes, target_rms_dbfs: float = -20.0, headroom_db: float = 1.0) -> bytes:
    """Bring speech to a common loudness (RMS) without letting the peak past ``-headroom_db``.

    Prompts and recordings then play at the same level on the line; a recording that is
    pure silence stays silence (no gain applied to nothing).
    """
    x = _to_float(pcm)
    rms = float(np.sqrt(np.mean(x * x))) if x.size else 0.0
    if rms < 1.0:
        return pcm
    x = x * (_FULL * 10 ** (target_rms_dbfs / 20) / rms)
    return _to_pcm(_limit_peak(x, headroom_db))
