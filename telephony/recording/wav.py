"""Streaming stereo WAV writer for one call: 8 kHz, 16-bit, left = customer, right = bot.

Writes to ``<name>.part`` and renames on close, so a file without ``.part`` is always a
complete WAV. If the process dies mid-call the ``.part`` file keeps every frame written so
far; :func:`recover_partial` fixes its header and finishes the rename, so nothing is lost.
"""

from __future__ import annotations

import os
import struct
import wave
from pathlib import Path

import numpy as np

from telephony.contract import SAMPLE_RATE, RecordingInfo

__all__ = ["StereoWavSink", "recover_partial", "PART_SUFFIX"]

PART_SUFFIX = ".part"
_HEADER_BYTES = 44


def _interleave(left: bytes, right: bytes) -> bytes:
    if len(left) % 2 or len(right) % 2:
        raise ValueError(f"16-bit PCM needs an even byte count (got {len(left)} and {len(right)})")
    n = max(len(left), len(right)) // 2
    out = np.zeros((n, 2), dtype="<i2")
    out[: len(left) // 2, 0] = np.frombuffer(left, dtype="<i2")
    out[: len(right) // 2, 1] = np.frombuffer(right, dtype="<i2")
    return out.tobytes()


def _private_parents(folder: Path) -> None:
    """``folder`` and its missing parents created 0700 (the day folders of a recordings store)."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for p in reversed(missing):
        try:
            p.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(p, 0o700)


class StereoWavSink:
    """A :class:`~telephony.contract.RecordingSink` that writes one stereo WAV file."""

    def __init__(self, call_id: str, path: Path, sample_rate: int = SAMPLE_RATE) -> None:
        self.call_id = call_id
        self.path = path
        self.sample_rate = sample_rate
        self._part = path.with_name(path.name + PART_SUFFIX)
        _private_parents(path.parent)
        # a call's audio is the server user's only: 0600 whatever the umask (the .wav it becomes keeps it)
        self._fh = os.fdopen(os.open(self._part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
        self._wav: wave.Wave_write | None = wave.open(self._fh, "wb")  # noqa: SIM115 - open for the whole call
        self._wav.setnchannels(2)
        self._wav.setsampwidth(2)
        self._wav.setframerate(sample_rate)
        self._frames = 0
        self._info: RecordingInfo | None = None

    def write(self, inbound: bytes, outbound: bytes) -> None:
        if self._wav is None:
            raise ValueError(f"recording {self.call_id} is closed")
        data = _interleave(inbound, outbound)
        self._wav.writeframesraw(data)
        self._frames += len(data) // 4

    def close(self) -> RecordingInfo:
        """Finish the header and publish the file; closing twice returns the same info."""
        if self._info is not None:
            return self._info
        assert self._wav is not None
        self._wav.close()
        self._fh.close()  # wave does not close a file object it was given
        self._wav = None
        os.replace(self._part, self.path)
        self._info = RecordingInfo(
            call_id=self.call_id,
            path=self.path,
            duration_ms=self._frames * 1000 // self.sample_rate,
            channels=2,
            sample_rate=self.sample_rate,
            size_bytes=self.path.stat().st_size,
        )
        return self._info


def recover_partial(part: Path) -> Path:
    """Repair the RIFF sizes of an interrupted ``.part`` recording and rename it to ``.wav``."""
    if not part.name.endswith(PART_SUFFIX):
        raise ValueError(f"{part} is not a partial recording (no {PART_SUFFIX} suffix)")
    size = part.stat().st_size
    if size < _HEADER_BYTES:
        raise ValueError(f"{part}: {size} bytes is shorter than a WAV header; nothing to recover")
    data_bytes = (size - _HEADER_BYTES) // 4 * 4
    with part.open("r+b") as f:
        head = f.read(12)
        if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise ValueError(f"{part}: not a RIFF/WAVE file")
        f.seek(4)
        f.write(struct.pack("<I", 36 + data_bytes))
        f.seek(40)
        f.write(struct.pack("<I", data_bytes))
        f.truncate(_HEADER_BYTES + data_bytes)
    final = part.with_name(part.name[: -len(PART_SUFFIX)])
    os.replace(part, final)
    return final
