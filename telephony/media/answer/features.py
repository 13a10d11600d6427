"""20 ms frame -> features: level, spectral peaks (tone detection), tonality and log-mel bands.

The one place audio becomes numbers for the answer classifier. A 512-point FFT of a
Hann-windowed 160-sample frame gives 15.6 Hz bins; the two strongest peaks (the second a local maximum outside the first's main lobe) with parabolic
interpolation find single and dual tones to within a few hertz (enough for 425 vs 450 Hz in
a steady tone). ``tonal_share`` is how much of the frame's energy sits within +-6 bins of
those peaks: ~1 for a pure or dual tone, well below for speech, noise or chords.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

__all__ = ["FrameFeatures", "frame_features", "mel_matrix", "N_MELS", "FRAME_S"]

SAMPLE_RATE = 8000
FRAME_SAMPLES = 160
FRAME_S = 0.02
_NFFT = 512
_BIN_HZ = SAMPLE_RATE / _NFFT
_PEAK_HALF_WIDTH = 6  # bins each side of a peak counted as "the tone" (the Hann main lobe of 160 samples is +-100 Hz)
_SECOND_PEAK_MIN = 0.08  # second peak must hold this share of the first's power to count
_FLOOR_DB = -90.0
N_MELS = 24


@dataclass(frozen=True, slots=True)
class FrameFeatures:
    """What the classifier needs of one 20 ms frame."""

    level_db: float  # dBFS
    peaks_hz: tuple[float, ...]  # strongest one or two spectral peaks, low to high
    tonal_share: float  # energy share within the peaks
    mel: npt.NDArray[np.float32]  # log-mel bands, for phrase templates
    main_hz: float = 0.0  # the strongest peak


@lru_cache(maxsize=1)
def _window() -> npt.NDArray[np.float64]:
    return np.hanning(FRAME_SAMPLES)


@lru_cache(maxsize=1)
def mel_matrix() -> npt.NDArray[np.float64]:
    """Triangular mel filters over 100-3800 Hz (the phone band), shape (N_MELS, bins)."""

    def mel(f: npt.NDArray[np.float64] | float) -> npt.NDArray[np.float64]:
        return np.asarray(2595.0 * np.log10(1.0 + np.asarray(f) / 700.0))

    def hz(m: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.asarray(700.0 * (10 ** (m / 2595.0) - 1.0))

    edges = hz(np.linspace(float(mel(100.0)), float(mel(3800.0)), N_MELS + 2))
    freqs = np.arange(_NFFT // 2 + 1) * _BIN_HZ
    out = np.zeros((N_MELS, freqs.size))
    for i in range(N_MELS):
        lo, mid, hi = edges[i], edges[i + 1], edges[i + 2]
        up = (freqs - lo) / (mid - lo)
        down = (hi - freqs) / (hi - mid)
        out[i] = np.clip(np.minimum(up, down), 0.0, None)
    return out


def _interp(power: npt.NDArray[np.float64], k: int) -> float:
    """Parabolic interpolation of a peak at bin ``k`` (on log power), in Hz."""
    if 0 < k < power.size - 1:
        a, b, c = np.log(power[k - 1 : k + 2] + 1e-12)
        den = a - 2 * b + c
        off = 0.5 * (a - c) / den if den != 0 else 0.0
        return float((k + max(-0.5, min(0.5, off))) * _BIN_HZ)
    return float(k * _BIN_HZ)


def frame_features(frame: bytes | npt.NDArray[np.int16]) -> FrameFeatures:
    """Features of one 20 ms frame of 8 kHz 16-bit mono PCM (shorter frames are zero-padded)."""
    x = np.frombuffer(frame, dtype="<i2") if isinstance(frame, bytes | bytearray) else frame
    x = x.astype(np.float64)
    if x.size < FRAME_SAMPLES:
        x = np.pad(x, (0, FRAME_SAMPLES - x.size))
    x = x[:FRAME_SAMPLES]
    ms = float(np.mean(x * x))
    level = 10 * np.log10(ms / (32768.0**2)) if ms > 0 else _FLOOR_DB
    power = np.abs(np.fft.rfft(x * _window(), _NFFT)) ** 2
    total = float(power[3:].sum())  # ignore DC and the lowest bins (< 40 Hz)
    mel = np.log10(mel_matrix() @ power + 1e-3).astype(np.float32)
    if total <= 0 or level < -80:
        return FrameFeatures(max(level, _FLOOR_DB), (), 0.0, mel)
    masked = power.copy()
    masked[:3] = 0.0
    k1 = int(np.argmax(masked))
    p1 = float(masked[k1])
    lo, hi = max(0, k1 - _PEAK_HALF_WIDTH), k1 + _PEAK_HALF_WIDTH + 1
    share = float(masked[lo:hi].sum())
    masked[lo:hi] = 0.0
    k2 = int(np.argmax(masked))
    peaks = [_interp(power, k1)]
    local_max = 0 < k2 < power.size - 1 and power[k2] >= power[k2 - 1] and power[k2] >= power[k2 + 1]
    if local_max and masked[k2] >= _SECOND_PEAK_MIN * p1:
        lo2, hi2 = max(0, k2 - _PEAK_HALF_WIDTH), k2 + _PEAK_HALF_WIDTH + 1
        share += float(masked[lo2:hi2].sum())
        peaks.append(_interp(power, k2))
    return FrameFeatures(float(level), tuple(sorted(peaks)), min(1.0, share / total), mel, peaks[0])
