"""Tone segments from frame features, and what they are: call-progress cadences, SIT, fax, beeps.

A *tone frame* is loud enough and has nearly all its energy in one or two spectral peaks. Runs
of tone frames at the same frequencies become :class:`ToneSegment` values; the functions
below name them from data tables (:data:`CADENCES`, :data:`SIT_BANDS`, ...), so a new
country's tones are a row, not code. Frequencies and cadences: ITU-T E.180 supplement 2
(China: 450 Hz, ringback 1 s on / 4 s off, busy 0.35/0.35, congestion 0.7/0.7; North
America: ringback 440+480 Hz 2/4, busy 480+620 0.5/0.5, reorder 0.25/0.25; CEPT Europe:
425 Hz, ringback 1/4, busy 0.5/0.5, congestion 0.25/0.25), ITU-T E.180 / T1.401 for SIT
(913.8, 1370.6, 1776.7 Hz, ~330 ms each), ITU-T T.30 for fax (CNG 1100 Hz 0.5 s, CED 2100 Hz).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from telephony.media.answer.features import FRAME_S, FrameFeatures

__all__ = [
    "ToneThresholds",
    "ToneSegment",
    "ToneTracker",
    "Cadence",
    "CADENCES",
    "SIT_BANDS",
    "match_cadence",
    "sit_at",
    "fax_tone",
    "is_beep",
    "is_progress_band",
    "freq_fit",
]


@dataclass(frozen=True, slots=True)
class ToneThresholds:
    """What counts as a tone frame and how tones are grouped."""

    min_level_db: float = -45.0  # quieter frames are silence
    min_tonal_share: float = 0.78  # energy share in the one or two strongest peaks
    same_hz: float = 45.0  # a frame continues a segment if its lowest peak is this close (440+480 Hz wobbles +-40 Hz between frames)
    bridge_frames: int = 2  # one or two odd frames (a click, a codec glitch) does not split a tone
    min_segment_s: float = 0.08


@dataclass(slots=True)
class ToneSegment:
    """A tone from ``start_s`` to ``end_s`` at ``freqs_hz`` (one or two frequencies)."""

    start_s: float
    end_s: float
    freqs_hz: tuple[float, ...]
    _peaks: list[tuple[float, ...]] = field(default_factory=list, repr=False)

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def main_hz(self) -> float:
        return self.freqs_hz[0] if self.freqs_hz else 0.0

    def describe(self) -> str:
        return "+".join(f"{f:.0f}" for f in self.freqs_hz) + " Hz"


def _summarise(peaks: list[tuple[float, ...]]) -> tuple[float, ...]:
    """Median frequencies; a second frequency only if most frames showed one."""
    firsts = sorted(p[0] for p in peaks)
    seconds = sorted(p[1] for p in peaks if len(p) > 1)
    out = [firsts[len(firsts) // 2]]
    if len(seconds) * 2 > len(peaks):
        out.append(seconds[len(seconds) // 2])
    return tuple(round(f, 1) for f in out)


_HARMONIC_RATIOS = (1.5, 2.0, 2.5, 3.0, 4.0)  # 3:2, 2:1, 5:2 ...: partials of a voice or an instrument
_HARMONIC_TOL = 0.04


def _harmonic(lo: float, hi: float) -> bool:
    """Two peaks of one periodic sound (a vowel), not a dual-frequency signalling tone."""
    r = hi / lo if lo > 0 else 0.0
    return any(abs(r - h) <= _HARMONIC_TOL * h for h in _HARMONIC_RATIOS)


class ToneTracker:
    """Feeds on frame features; yields each tone segment when it ends. Pure, no I/O."""

    def __init__(self, thresholds: ToneThresholds | None = None) -> None:
        self.th = thresholds or ToneThresholds()
        self._open: ToneSegment | None = None
        self._misses = 0

    def is_tone(self, f: FrameFeatures) -> bool:
        """Loud, nearly all energy in one or two peaks, and not two harmonics of one voice."""
        if f.level_db < self.th.min_level_db or f.tonal_share < self.th.min_tonal_share or not f.peaks_hz:
            return False
        return not (len(f.peaks_hz) == 2 and _harmonic(*f.peaks_hz))

    @property
    def open_segment(self) -> ToneSegment | None:
        """The tone sounding now (its ``end_s`` is the last tone frame's end)."""
        seg = self._open
        if seg is None or seg.duration_s < self.th.min_segment_s:
            return None
        seg.freqs_hz = _summarise(seg._peaks)
        return seg

    def push(self, t: float, f: FrameFeatures) -> ToneSegment | None:
        """Frame starting at ``t``; returns a segment that just ended, if any."""
        seg = self._open
        if self.is_tone(f):
            recent = sorted(p[0] for p in seg._peaks[-10:]) if seg is not None else []
            if seg is not None and abs(f.peaks_hz[0] - recent[len(recent) // 2]) <= self.th.same_hz:
                seg._peaks.append(f.peaks_hz)
                seg.end_s = t + FRAME_S
                self._misses = 0
                return None
            if seg is not None and self._misses < self.th.bridge_frames:
                self._misses += 1  # one odd frame (440+480 Hz beating shows one at 507 Hz) is bridged
                return None
            closed = self._close()
            self._open = ToneSegment(t, t + FRAME_S, f.peaks_hz, [f.peaks_hz])
            self._misses = 0
            return closed
        if seg is not None:
            self._misses += 1
            if self._misses > self.th.bridge_frames:
                return self._close()
        return None

    def flush(self) -> ToneSegment | None:
        return self._close()

    def _close(self) -> ToneSegment | None:
        seg, self._open, self._misses = self._open, None, 0
        if seg is None or seg.duration_s < self.th.min_segment_s:
            return None
        seg.freqs_hz = _summarise(seg._peaks)
        return seg


@dataclass(frozen=True, slots=True)
class Cadence:
    """A call-progress tone: ``label`` is the answer class, on/off in seconds."""

    name: str
    label: str  # ringback | busy_tone | congestion_tone
    freqs_hz: tuple[float, ...]
    on_s: float
    off_s: float


CADENCES: tuple[Cadence, ...] = (
    Cadence("cn_ringback", "ringback", (450.0,), 1.0, 4.0),
    Cadence("us_ringback", "ringback", (440.0, 480.0), 2.0, 4.0),
    Cadence("eu_ringback", "ringback", (425.0,), 1.0, 4.0),
    Cadence("cn_busy", "busy_tone", (450.0,), 0.35, 0.35),
    Cadence("cn_congestion", "congestion_tone", (450.0,), 0.7, 0.7),
    Cadence("us_busy", "busy_tone", (480.0, 620.0), 0.5, 0.5),
    Cadence("us_reorder", "congestion_tone", (480.0, 620.0), 0.25, 0.25),
    Cadence("eu_busy", "busy_tone", (425.0,), 0.5, 0.5),
    Cadence("eu_congestion", "congestion_tone", (425.0,), 0.25, 0.25),
)
_PROGRESS_BAND = (380.0, 660.0)
_CADENCE_TOL = 0.09  # seconds either way on an on or off time (a frame or two of jitter)
_RINGBACK_MIN_ON_S = 0.85  # longer than any busy/congestion burst
SIT_BANDS: tuple[tuple[float, float], ...] = ((880.0, 1000.0), (1330.0, 1450.0), (1740.0, 1820.0))
_SIT_SEGMENT_S = (0.2, 0.45)
_SIT_MAX_GAP_S = 0.12
_CNG = (1070.0, 1130.0, 0.35, 0.8)  # Hz low, high; seconds on min, max
_CED = (2060.0, 2140.0, 0.8)  # Hz low, high; seconds on before we call it
_BEEP_HZ = (600.0, 2600.0)
_BEEP_S = (0.12, 1.6)


def is_progress_band(seg: ToneSegment) -> bool:
    return all(_PROGRESS_BAND[0] <= f <= _PROGRESS_BAND[1] for f in seg.freqs_hz)


def freq_fit(seg: ToneSegment, cad: Cadence) -> bool:
    """Do the segment's frequencies fit the cadence's? Tones 40 Hz apart (440+480) are not
    resolved in a 20 ms frame and show as one peak between them; 480+620 shows as two."""
    if len(cad.freqs_hz) == 2 and cad.freqs_hz[1] - cad.freqs_hz[0] > 100:
        return len(seg.freqs_hz) == 2 and all(
            abs(a - b) <= 25 for a, b in zip(seg.freqs_hz, cad.freqs_hz, strict=True)
        )
    lo, hi = min(cad.freqs_hz) - 15.0, max(cad.freqs_hz) + 15.0
    return all(lo <= f <= hi for f in seg.freqs_hz)


def match_cadence(segments: Sequence[ToneSegment], open_seg: ToneSegment | None = None) -> tuple[Cadence, str] | None:
    """The cadence the last progress-band tones follow, with a description; None if none yet.

    Ringback needs one burst longer than any busy burst (decided while it still sounds);
    busy and congestion need one on time and one off time (two bursts) to agree.
    """
    if open_seg is not None and is_progress_band(open_seg) and open_seg.duration_s >= _RINGBACK_MIN_ON_S:
        rings = [c for c in CADENCES if c.label == "ringback" and freq_fit(open_seg, c)]
        if rings:
            best = min(rings, key=lambda c: abs(sum(c.freqs_hz) / len(c.freqs_hz) - open_seg.main_hz))
            return best, f"{open_seg.describe()} on {open_seg.duration_s:.2f} s"
    prog = [s for s in segments if is_progress_band(s)]
    for prev, nxt in zip(prog[-2:-1], prog[-1:], strict=False):
        on, off = prev.duration_s, nxt.start_s - prev.end_s
        if prev.duration_s >= _RINGBACK_MIN_ON_S:
            rings = [c for c in CADENCES if c.label == "ringback" and freq_fit(prev, c)]
            if rings:
                best = min(rings, key=lambda c: abs(sum(c.freqs_hz) / len(c.freqs_hz) - prev.main_hz))
                return best, f"{prev.describe()} on {on:.2f} s, off {off:.2f} s"
        fits = [c for c in CADENCES if c.label != "ringback" and freq_fit(prev, c)
                and abs(on - c.on_s) <= _CADENCE_TOL and abs(off - c.off_s) <= _CADENCE_TOL]
        if fits:
            best = min(fits, key=lambda c: abs(on - c.on_s) + abs(off - c.off_s))
            return best, f"{prev.describe()} {on:.2f} s on / {off:.2f} s off"
    return None


def _in_band(f: float, band: tuple[float, float]) -> bool:
    return band[0] <= f <= band[1]


def sit_at(segments: Sequence[ToneSegment]) -> ToneSegment | None:
    """The first of three SIT tones in a row (rising 914 / 1371 / 1777 Hz), if the last three are."""
    if len(segments) < 3:
        return None
    a, b, c = segments[-3:]
    for seg, band in zip((a, b, c), SIT_BANDS, strict=True):
        if len(seg.freqs_hz) != 1 or not _in_band(seg.main_hz, band):
            return None
        if not _SIT_SEGMENT_S[0] <= seg.duration_s <= _SIT_SEGMENT_S[1]:
            return None
    if b.start_s - a.end_s > _SIT_MAX_GAP_S or c.start_s - b.end_s > _SIT_MAX_GAP_S:
        return None
    return a


def fax_tone(seg: ToneSegment, closed: bool) -> str | None:
    """``CNG`` (calling fax, 1100 Hz ~0.5 s) or ``CED`` (answering fax, 2100 Hz), else None."""
    if len(seg.freqs_hz) != 1:
        return None
    f, d = seg.main_hz, seg.duration_s
    if _CED[0] <= f <= _CED[1] and d >= _CED[2]:
        return "CED"
    if closed and _CNG[0] <= f <= _CNG[1] and _CNG[2] <= d <= _CNG[3]:
        return "CNG"
    return None


def is_beep(seg: ToneSegment) -> bool:
    """A single tone in the beep band and length (the "record after the tone" beep)."""
    return (
        len(seg.freqs_hz) == 1
        and _in_band(seg.main_hz, _BEEP_HZ)
        and _BEEP_S[0] <= seg.duration_s <= _BEEP_S[1]
    )
