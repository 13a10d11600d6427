"""What the simulated network sounds like: call-progress tones, SIT, 彩铃 music, beeps, fax, noise.

Synthesised here, never downloaded: sine tones on the national cadences, chords and a melody
for coloured ringback, and line effects (noise, G.711 round trip) for evaluation clips. All
8 kHz 16-bit mono PCM, as the contract carries. Pure apart from the ``random.Random`` given.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from telephony.media.g711 import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode
from telephony.simulator.media import trim_silence

__all__ = [
    "RATE",
    "tone",
    "gap",
    "cadence",
    "ringback",
    "busy_tone",
    "congestion_tone",
    "sit",
    "prefix_tone",
    "beep",
    "fax_cng",
    "fax_ced",
    "music",
    "concat",
    "add_noise",
    "through_g711",
    "scale_db",
    "REGION_TONES",
    "trim_edges",
]

RATE = 8000
_Arr = npt.NDArray[np.float64]

#: Per region: (frequencies, on s, off s) of ringback, busy and congestion (ITU-T E.180 suppl. 2).
REGION_TONES: dict[str, dict[str, tuple[tuple[float, ...], float, float]]] = {
    "cn": {"ringback": ((450.0,), 1.0, 4.0), "busy": ((450.0,), 0.35, 0.35), "congestion": ((450.0,), 0.7, 0.7)},
    "us": {"ringback": ((440.0, 480.0), 2.0, 4.0), "busy": ((480.0, 620.0), 0.5, 0.5),
           "congestion": ((480.0, 620.0), 0.25, 0.25)},
    "eu": {"ringback": ((425.0,), 1.0, 4.0), "busy": ((425.0,), 0.5, 0.5), "congestion": ((425.0,), 0.25, 0.25)},
}


def _pcm(x: _Arr) -> bytes:
    return np.clip(np.round(x), -32768, 32767).astype("<i2").tobytes()


def _arr(pcm: bytes) -> _Arr:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


def tone(freqs: Sequence[float], seconds: float, level_db: float = -14.0, ramp_s: float = 0.005) -> bytes:
    """A steady tone (sum of ``freqs``) at ``level_db`` dBFS peak, with short ramps (no clicks)."""
    n = int(round(seconds * RATE))
    t = np.arange(n) / RATE
    x = sum(np.sin(2 * np.pi * f * t) for f in freqs) / max(1, len(freqs))
    env = np.ones(n)
    r = min(n // 2, int(ramp_s * RATE))
    if r:
        env[:r] = np.linspace(0, 1, r)
        env[-r:] = np.linspace(1, 0, r)
    return _pcm(np.asarray(x) * env * 32767 * 10 ** (level_db / 20))


def gap(seconds: float) -> bytes:
    return bytes(2 * int(round(seconds * RATE)))


def concat(*parts: bytes) -> bytes:
    return b"".join(parts)


def cadence(freqs: Sequence[float], on_s: float, off_s: float, seconds: float, level_db: float = -14.0,
            offset_s: float = 0.0) -> bytes:
    """``seconds`` of an on/off cadence, starting ``offset_s`` into the cycle."""
    cycle = tone(freqs, on_s, level_db) + gap(off_s)
    n = int(round(seconds * RATE)) * 2
    start = int(round(offset_s * RATE)) * 2 % len(cycle)
    reps = (start + n) // len(cycle) + 2
    return (cycle * reps)[start : start + n]


def ringback(region: str = "cn", seconds: float = 6.0, **kw: float) -> bytes:
    f, on, off = REGION_TONES[region]["ringback"]
    return cadence(f, on, off, seconds, **kw)


def busy_tone(region: str = "cn", seconds: float = 4.0, **kw: float) -> bytes:
    f, on, off = REGION_TONES[region]["busy"]
    return cadence(f, on, off, seconds, **kw)


def congestion_tone(region: str = "cn", seconds: float = 4.0, **kw: float) -> bytes:
    f, on, off = REGION_TONES[region]["congestion"]
    return cadence(f, on, off, seconds, **kw)


def sit(level_db: float = -16.0, segment_s: float = 0.33) -> bytes:
    """The three rising special information tones (913.8, 1370.6, 1776.7 Hz) then 0.1 s silence."""
    return concat(*(tone((f,), segment_s, level_db) for f in (913.8, 1370.6, 1776.7)), gap(0.1))


def prefix_tone(kind: int = 0, level_db: float = -16.0) -> bytes:
    """The short cue many carriers play before an announcement: a 嘟 or a two-note 叮咚."""
    if kind % 2 == 0:
        return concat(tone((1000.0,), 0.3, level_db), gap(0.25))
    return concat(tone((784.0,), 0.2, level_db), tone((659.3,), 0.3, level_db), gap(0.25))


def beep(freq: float = 1000.0, seconds: float = 0.5, level_db: float = -14.0) -> bytes:
    """The voicemail "record after the tone" beep."""
    return tone((freq,), seconds, level_db)


def fax_cng(seconds: float = 8.0) -> bytes:
    """A calling fax: 1100 Hz, 0.5 s on, 3 s off."""
    return cadence((1100.0,), 0.5, 3.0, seconds, level_db=-12.0)


def fax_ced(seconds: float = 3.3) -> bytes:
    """An answering fax (or modem): a steady 2100 Hz answer tone."""
    return tone((2100.0,), seconds, -12.0)


_SCALE = (0, 2, 4, 7, 9)  # pentatonic: sounds like the 彩铃 it imitates, never like a call-progress tone
_CHORDS = ((0, 4, 7), (5, 9, 12), (7, 11, 14), (9, 12, 16))


def _note(midi: float, seconds: float, t0: float = 0.0) -> _Arr:
    f = 440.0 * 2 ** ((midi - 69) / 12)
    n = int(round(seconds * RATE))
    t = np.arange(n) / RATE + t0
    x = np.sin(2 * np.pi * f * t) + 0.4 * np.sin(4 * np.pi * f * t) + 0.2 * np.sin(6 * np.pi * f * t)
    env = np.minimum(1.0, np.arange(n) / (0.02 * RATE)) * np.exp(-1.2 * np.arange(n) / RATE)
    return np.asarray(x * env)


def _mix(out: _Arr, at: int, seg: _Arr) -> None:
    """Add ``seg`` into ``out`` from sample ``at``, cut at the end of ``out``."""
    k = min(seg.size, out.size - at)
    if k > 0:
        out[at : at + k] += seg[:k]


def music(rng: random.Random, seconds: float = 8.0, level_db: float = -18.0) -> bytes:
    """A 彩铃: a pentatonic melody over a changing chord, tempo and key drawn from ``rng``."""
    n = int(round(seconds * RATE))
    out = np.zeros(n + RATE)
    key = 55 + rng.randrange(0, 10)
    beat = rng.uniform(0.22, 0.45)
    pos, bar = 0.0, 0
    while pos < seconds:
        chord = _CHORDS[bar % len(_CHORDS)] if rng.random() < 0.8 else rng.choice(_CHORDS)
        bar_len = beat * 4
        i = int(pos * RATE)
        for step in chord:
            _mix(out, i, 0.5 * _note(key - 12 + step, bar_len))
        t = pos
        while t < pos + bar_len - 1e-6:
            length = beat * rng.choice((0.5, 1.0, 1.0, 2.0))
            midi = key + 12 + _SCALE[rng.randrange(len(_SCALE))] + 12 * rng.choice((0, 0, 1))
            _mix(out, int(t * RATE), _note(midi, length))
            t += length
        pos += bar_len
        bar += 1
    out = out[:n]
    peak = float(np.max(np.abs(out))) or 1.0
    return _pcm(out / peak * 32767 * 10 ** (level_db / 20))


def scale_db(pcm: bytes, db: float) -> bytes:
    return _pcm(_arr(pcm) * 10 ** (db / 20))


def add_noise(pcm: bytes, rng: random.Random, snr_db: float) -> bytes:
    """White noise at ``snr_db`` below the clip's active level (frames above -50 dBFS)."""
    x = _arr(pcm)
    if not x.size:
        return pcm
    frames = x[: x.size // 160 * 160].reshape(-1, 160) if x.size >= 160 else x.reshape(1, -1)
    ms = (frames**2).mean(axis=1)
    active = ms[ms > (32768 * 10 ** (-50 / 20)) ** 2]
    level = float(active.mean()) if active.size else float(ms.mean()) or 1.0
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0.0, np.sqrt(level / 10 ** (snr_db / 10)), x.size)
    return _pcm(x + noise)


def through_g711(pcm: bytes, law: str = "alaw") -> bytes:
    """Encode and decode as the line would (China and Europe: A-law; North America: mu-law)."""
    if law == "alaw":
        return alaw_decode(alaw_encode(pcm))
    if law == "ulaw":
        return ulaw_decode(ulaw_encode(pcm))
    raise ValueError(f"law must be alaw or ulaw, got {law!r}")


#: Drop leading and trailing near-silence (a TTS pads both ends): the simulator's one trimmer.
trim_edges = trim_silence
