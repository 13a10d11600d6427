"""Voice activity detection for 8 kHz phone audio: the webrtcvad frame detector, the endpointer,
and a gate that passes only speech (plus a little pre-roll) on to the recogniser.

webrtcvad classifies a 20 ms 8 kHz frame in microseconds, so the silent half of a call
costs nearly nothing; the recogniser only sees frames the gate lets through.
Barge-in = a :class:`SpeechStarted` while a prompt plays.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from telephony.media.audio import FRAME_BYTES, FRAME_MS, SAMPLE_RATE, frames
from telephony.media.endpointing import EndpointConfig, Endpointer, SpeechEnded, SpeechStarted, VadEvent

__all__ = [
    "EndpointConfig",
    "Endpointer",
    "SpeechStarted",
    "SpeechEnded",
    "VadEvent",
    "WebRtcVad",
    "FrameVad",
    "VadGate",
    "speech_segments",
    "gated",
]


class WebRtcVad:
    """webrtcvad on 8 kHz 16-bit 20 ms frames; ``aggressiveness`` 0 (lenient) .. 3 (strict)."""

    def __init__(self, aggressiveness: int = 2, sample_rate: int = SAMPLE_RATE) -> None:
        import webrtcvad

        if aggressiveness not in (0, 1, 2, 3):
            raise ValueError(f"VAD aggressiveness must be 0..3, got {aggressiveness}")
        self._vad = webrtcvad.Vad(aggressiveness)
        self._rate = sample_rate

    def is_speech(self, frame: bytes) -> bool:
        if len(frame) != FRAME_BYTES:
            raise ValueError(f"VAD frame must be {FRAME_BYTES} bytes (20 ms at 8 kHz), got {len(frame)}")
        return bool(self._vad.is_speech(frame, self._rate))


class FrameVad:
    """Detector + endpointer: feed 20 ms frames, get :data:`VadEvent` s; keeps its own clock."""

    def __init__(self, aggressiveness: int = 2, config: EndpointConfig | None = None) -> None:
        self.detector = WebRtcVad(aggressiveness)
        self.endpointer = Endpointer(config or EndpointConfig(frame_ms=FRAME_MS))
        self.now_ms = 0

    def feed(self, frame: bytes, at_ms: int | None = None) -> list[VadEvent]:
        at = self.now_ms if at_ms is None else at_ms
        self.now_ms = at + FRAME_MS
        return self.endpointer.feed(self.detector.is_speech(frame), at)

    def flush(self) -> list[VadEvent]:
        return self.endpointer.flush()

    @property
    def in_speech(self) -> bool:
        return self.endpointer.in_speech


class VadGate:
    """Passes frames to the recogniser only around speech.

    Keeps ``preroll_ms`` of audio before the declared start (the endpointer needs
    ``speech_start_ms`` of speech to decide, and word onsets are quiet), then forwards every
    frame until the turn ends. ``push`` returns (frames to forward, events).
    """

    def __init__(self, vad: FrameVad | None = None, preroll_ms: int = 300) -> None:
        self.vad = vad or FrameVad()
        self._pre: deque[bytes] = deque(maxlen=max(1, preroll_ms // FRAME_MS))
        self.forwarded = 0
        self.seen = 0

    def push(self, frame: bytes) -> tuple[list[bytes], list[VadEvent]]:
        self.seen += 1
        was_in = self.vad.in_speech
        events = self.vad.feed(frame)
        out: list[bytes] = []
        if was_in:
            out.append(frame)
        elif any(isinstance(e, SpeechStarted) for e in events):
            out.extend(self._pre)
            out.append(frame)
            self._pre.clear()
        else:
            self._pre.append(frame)
        self.forwarded += len(out)
        return out, events

    def flush(self) -> list[VadEvent]:
        return self.vad.flush()


def speech_segments(
    pcm: bytes, aggressiveness: int = 2, config: EndpointConfig | None = None
) -> list[SpeechEnded]:
    """All utterances in 8 kHz PCM (offline helper for tests, the CLI and benchmarks)."""
    vad = FrameVad(aggressiveness, config)
    found: list[SpeechEnded] = []
    for frame in frames(pcm):
        found.extend(e for e in vad.feed(frame) if isinstance(e, SpeechEnded))
    found.extend(e for e in vad.flush() if isinstance(e, SpeechEnded))
    return found


def gated(pcm: bytes, gate: VadGate | None = None) -> Iterator[bytes]:
    """The frames of ``pcm`` a :class:`VadGate` would forward."""
    g = gate or VadGate()
    for frame in frames(pcm):
        out, _ = g.push(frame)
        yield from out
