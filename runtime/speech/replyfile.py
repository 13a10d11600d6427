"""A recorded customer reply read from a file for offline recognition (``huashu asr``).

A reply is seconds long; a 15-minute file took 196 s and 1.26 GB before "nothing recognised"
because everything was loaded, converted and recognised. So the length is checked from the
header first — the WAV header's frame count, or ffprobe's reading of the container — and a
file longer than ``max_seconds`` is refused before its audio is decoded. A WAV is then read
one second of frames at a time (only the 16-bit mono samples are kept), anything else is
decoded by ffmpeg straight from the file and stopped after ``max_seconds`` + 1 s, so a
container that does not state its duration is caught as well. (A WAV is never read past
the frame count of its header, so the header is the limit's only input there.)
"""

from __future__ import annotations

import wave
from pathlib import Path

from huashu.core.errors import UserError
from runtime.speech.ffmpeg import DECODE_RATE, DecodeError, decode, probe_duration_s
from telephony.media.audio import AudioError, resample_to_8k, to_mono16

__all__ = ["DEFAULT_MAX_SECONDS", "ReplyFileError", "NotAudio", "ReplyTooLong", "read_reply_8k"]

#: A customer's reply to one prompt is a few seconds; a minute is already a monologue.
DEFAULT_MAX_SECONDS = 60.0
_CHUNK_S = 1.0


class ReplyFileError(UserError):
    """The file cannot be used as a reply."""


class NotAudio(ReplyFileError):
    """Neither a PCM WAV nor anything ffmpeg can decode."""


class ReplyTooLong(ReplyFileError):
    def __init__(self, path: Path, seconds: float | None, limit: float) -> None:
        self.seconds = seconds
        self.limit = limit
        length = f"{seconds:.1f} s of audio" if seconds is not None else f"more than {limit:g} s of audio"
        super().__init__(f"{path}: {length}; the limit for a reply is {limit:g} s (--max-seconds to raise it)")


def read_reply_8k(path: Path, max_seconds: float = DEFAULT_MAX_SECONDS) -> bytes:
    """8 kHz 16-bit mono PCM of the file, or :class:`ReplyTooLong` / :class:`NotAudio`.
    ``OSError`` (missing, unreadable) is left to the caller."""
    if not max_seconds > 0:
        raise ValueError(f"max_seconds must be positive, got {max_seconds}")
    with path.open("rb") as fh:
        try:
            w = wave.open(fh, "rb")  # noqa: SIM115 - closed by the `with w` below
        except (wave.Error, EOFError):
            w = None  # not a PCM WAV (compressed, float, or another container): ffmpeg's turn
        if w is not None:
            with w:
                return _read_wav(w, path, max_seconds)
    return _read_other(path, max_seconds)


def _read_wav(w: wave.Wave_read, path: Path, max_seconds: float) -> bytes:
    rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
    if rate <= 0 or channels <= 0:
        raise NotAudio(f"WAV header says {rate} Hz, {channels} channels")
    declared = w.getnframes() / rate
    if declared > max_seconds:
        raise ReplyTooLong(path, declared, max_seconds)
    chunk = max(1, int(rate * _CHUNK_S))
    parts: list[bytes] = []
    while raw := w.readframes(chunk):  # never more than the header's frames (wave stops there)
        try:
            parts.append(to_mono16(raw, width, channels, str(path)))
        except AudioError as exc:
            raise NotAudio(str(exc)) from exc
    return resample_to_8k(b"".join(parts), rate)


def _read_other(path: Path, max_seconds: float) -> bytes:
    try:
        declared = probe_duration_s(path)
        if declared is not None and declared > max_seconds:
            raise ReplyTooLong(path, declared, max_seconds)
        pcm = decode(path, DECODE_RATE, max_seconds=max_seconds)
    except DecodeError as exc:
        raise NotAudio(str(exc)) from exc
    if len(pcm) // 2 > max_seconds * DECODE_RATE:  # the container did not say, the samples do
        raise ReplyTooLong(path, None, max_seconds)
    return resample_to_8k(pcm, DECODE_RATE)
