"""Decode any audio ffmpeg understands (MP3 from edge-tts, uploads) into 16-bit mono PCM.

ffmpeg decodes at a high rate and we resample ourselves, so the 1 dB headroom rule of
:func:`telephony.media.audio.resample_to_8k` applies to every source alike.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from huashu.core.errors import UserError

__all__ = ["DecodeError", "decode", "probe_duration_s"]

DECODE_RATE = 16000


class DecodeError(UserError):
    """The bytes are not audio ffmpeg can decode (or ffmpeg is missing)."""


def _exe(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        raise DecodeError(f"{name} is not installed (Debian package ffmpeg)")
    return exe


def _input(source: bytes | Path) -> tuple[str, bytes | None]:
    """ffmpeg's ``-i`` argument and stdin: bytes go through a pipe, a file is read by ffmpeg
    itself (never loaded here); ``file:`` keeps a path with ``:`` from naming a protocol."""
    if isinstance(source, Path):
        return f"file:{source.resolve()}", None
    return "pipe:0", source


def probe_duration_s(source: bytes | Path, timeout_s: float = 30.0) -> float | None:
    """Duration from the container header, or None when it does not say (raw streams).
    Raises :class:`DecodeError` if there is no audio stream at all."""
    url, data = _input(source)
    proc = subprocess.run(
        [_exe("ffprobe"), "-v", "error", "-print_format", "json", "-show_streams", "-show_format", "-i", url],
        input=data,
        stdin=subprocess.DEVNULL if data is None else None,
        capture_output=True,
        timeout=timeout_s,
        check=False,
    )
    if proc.returncode != 0:
        raise DecodeError(_first_line(proc.stderr) or "ffprobe could not read it")
    info = json.loads(proc.stdout or b"{}")
    if not any(s.get("codec_type") == "audio" for s in info.get("streams", [])):
        raise DecodeError("it has no audio stream")
    try:
        return float(info.get("format", {}).get("duration"))
    except (TypeError, ValueError):
        return None


def decode(
    source: bytes | Path, rate: int = DECODE_RATE, max_seconds: float | None = None, timeout_s: float = 60.0
) -> bytes:
    """Any audio (bytes, or a file ffmpeg reads itself) -> 16-bit mono PCM at ``rate``;
    stops after ``max_seconds`` (+1 s, to tell "too long")."""
    url, data = _input(source)
    cmd = [_exe("ffmpeg"), "-nostdin", "-v", "error", "-i", url, "-vn", "-ac", "1", "-ar", str(rate)]
    if max_seconds is not None:
        cmd += ["-t", str(max_seconds + 1)]
    cmd += ["-f", "s16le", "-acodec", "pcm_s16le", "pipe:1"]
    try:
        proc = subprocess.run(cmd, input=data, stdin=subprocess.DEVNULL if data is None else None,
                              capture_output=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired as exc:
        raise DecodeError(f"ffmpeg took longer than {timeout_s} s") from exc
    if proc.returncode != 0:
        raise DecodeError(_first_line(proc.stderr) or f"ffmpeg exited with {proc.returncode}")
    if not proc.stdout:
        raise DecodeError("it decodes to no audio samples")
    return proc.stdout[: len(proc.stdout) // 2 * 2]


def _first_line(err: bytes) -> str:
    text = err.decode(errors="replace").strip()
    return text.splitlines()[-1] if text else ""
