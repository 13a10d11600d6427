"""Prompt recordings (a designer's uploaded voice for a fixed prompt; call recordings are
:mod:`telephony.recording`'s): any common format in, 8 kHz level-normalised PCM out.

A designer uploads an MP3/WAV/M4A/OGG of a human reading a prompt; we decode it with ffmpeg,
resample to 8 kHz with 1 dB headroom and bring it to the same loudness as TTS prompts, so
recordings and synthesised prompts sit at one level on the line. Non-audio and over-long
uploads are rejected with a message that says which file and why.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from huashu.core.errors import UserError
from huashu.core.private_files import make_private, private_dir
from runtime.speech.ffmpeg import DECODE_RATE, DecodeError, decode, probe_duration_s
from runtime.speech.tts_base import RenderedPrompt, TtsBase, TtsError, TtsProvider
from telephony.media.audio import (
    AudioError,
    duration_ms,
    normalise_level,
    read_wav,
    resample_to_8k,
    write_wav,
)

if TYPE_CHECKING:
    from huashu.core.config import Settings

__all__ = [
    "RecordingError",
    "MAX_SECONDS",
    "TARGET_RMS_DBFS",
    "normalise_upload",
    "PromptRecordingStore",
    "RecordingProvider",
]

MAX_SECONDS = 60.0
TARGET_RMS_DBFS = -20.0
_ID = re.compile(r"^[0-9a-f]{16,64}$")


class RecordingError(UserError):
    """An upload we will not use: not audio, too long, or silent."""


def normalise_upload(data: bytes, filename: str, max_seconds: float = MAX_SECONDS) -> bytes:
    """Uploaded bytes -> 8 kHz 16-bit mono PCM at the prompt level (RMS -20 dBFS, peak <= -1 dBFS)."""
    if not data:
        raise RecordingError(f"{filename}: empty file")
    try:
        declared = probe_duration_s(data)
    except DecodeError as exc:
        raise RecordingError(f"{filename}: not audio ({exc})") from exc
    if declared is not None and declared > max_seconds:
        raise RecordingError(f"{filename}: too long ({declared:.1f} s; the limit is {max_seconds:g} s)")
    try:
        pcm = decode(data, DECODE_RATE, max_seconds=max_seconds)
    except DecodeError as exc:
        raise RecordingError(f"{filename}: not audio ({exc})") from exc
    seconds = duration_ms(pcm, DECODE_RATE) / 1000
    if seconds > max_seconds:
        raise RecordingError(f"{filename}: too long (over {max_seconds:g} s; the limit is {max_seconds:g} s)")
    out = normalise_level(resample_to_8k(pcm, DECODE_RATE), TARGET_RMS_DBFS)
    if not any(out):
        raise RecordingError(f"{filename}: the recording is silent")
    return out


class PromptRecordingStore:
    """Normalised recordings on disk, named by the sha256 of their PCM (uploading twice is free)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def save(self, data: bytes, filename: str, max_seconds: float = MAX_SECONDS) -> str:
        pcm = normalise_upload(data, filename, max_seconds)
        rid = hashlib.sha256(pcm).hexdigest()[:32]
        private_dir(self.root)
        path = self.path(rid)
        if not path.exists():
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            write_wav(tmp, pcm)
            make_private(tmp)  # an uploaded voice: the server user's only
            tmp.replace(path)
        return rid

    def path(self, rid: str) -> Path:
        if not _ID.match(rid):
            raise RecordingError(f"{rid!r} is not a recording id")
        return self.root / f"{rid}.wav"

    def load(self, rid: str) -> bytes:
        path = self.path(rid)
        try:
            pcm, rate = read_wav(path)
        except FileNotFoundError as exc:
            raise RecordingError(f"recording {rid} does not exist in {self.root}") from exc
        except AudioError as exc:
            raise RecordingError(f"recording {rid} is unreadable: {exc}") from exc
        return pcm if rate == 8000 else resample_to_8k(pcm, rate)


class RecordingProvider(TtsBase):
    """Plays uploaded recordings. The id (from :meth:`PromptRecordingStore.save`, a prompt's ``audio``
    field) is the voice — ``recording:<id>``, the prompt text then being what the TTS chain
    says if the recording is missing — or else ``text`` itself. ``rate`` does not apply."""

    name = "recording"
    # it speaks no text of its own: never a fallback for another voice's prompt
    languages: frozenset[str] = frozenset()

    def __init__(self, store: PromptRecordingStore) -> None:
        self.store = store

    @classmethod
    def from_settings(cls, settings: Settings) -> TtsProvider:
        return cls(PromptRecordingStore(Path(settings.data_dir) / "recordings"))

    def speaks(self, text: str, voice: str | None) -> bool:
        return True  # asked by id (``recording:<id>``, or the text is the id): it plays that

    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> RenderedPrompt:
        try:
            pcm = self.store.load((voice or text).strip())
        except RecordingError as exc:
            raise TtsError(str(exc)) from exc
        return RenderedPrompt.of(pcm, self.name, (voice or text).strip())
