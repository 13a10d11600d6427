"""The pure half of voice activity detection: per-frame speech flags in, speech start/end out.

No audio and no clock here: the caller says whether each frame was speech and when it began
(``at_ms``), so barge-in and end-of-turn are testable with virtual time. Thresholds are
named in :class:`EndpointConfig`; the frame detector lives in :mod:`telephony.media.vad`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EndpointConfig", "Endpointer", "SpeechStarted", "SpeechEnded", "VadEvent"]


@dataclass(frozen=True, slots=True)
class EndpointConfig:
    """Named thresholds of the endpointer (all in milliseconds).

    ``speech_start_ms``: continuous speech before we say the customer started talking (a
    barge-in trigger, so short enough to feel responsive, long enough to ignore clicks).
    ``speech_end_silence_ms``: trailing silence that ends a turn.
    ``min_speech_ms``: shorter utterances (coughs, "uh") end flagged ``too_short``.
    ``frame_ms``: duration of one flag.
    """

    speech_start_ms: int = 100
    speech_end_silence_ms: int = 600
    min_speech_ms: int = 200
    frame_ms: int = 20

    def __post_init__(self) -> None:
        for name in ("speech_start_ms", "speech_end_silence_ms", "min_speech_ms"):
            if getattr(self, name) < 0:
                raise ValueError(f"EndpointConfig.{name} must be >= 0, got {getattr(self, name)}")
        if self.frame_ms <= 0:
            raise ValueError(f"EndpointConfig.frame_ms must be > 0, got {self.frame_ms}")


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """The customer started speaking; ``at_ms`` is the start of the first speech frame.
    During playback this is a barge-in."""

    at_ms: int


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    """A turn ended; ``at_ms`` is the end of the last speech frame, ``started_ms`` its start."""

    at_ms: int
    started_ms: int
    too_short: bool = False

    @property
    def speech_ms(self) -> int:
        return self.at_ms - self.started_ms


VadEvent = SpeechStarted | SpeechEnded


class Endpointer:
    """State machine: silence -> (enough speech) -> speaking -> (enough silence) -> silence."""

    def __init__(self, config: EndpointConfig | None = None) -> None:
        self.config = config or EndpointConfig()
        self.reset()

    def reset(self) -> None:
        self._run_start: int | None = None  # first frame of the current speech run (not yet started)
        self._started: int | None = None  # start of the current utterance, once declared
        self._last_speech_end = 0

    @property
    def in_speech(self) -> bool:
        return self._started is not None

    def pause_ms(self, frame_end_ms: int) -> int:
        """Silence so far inside the current utterance (0 outside one): what an early end of turn
        (:mod:`runtime.calls.early_turn`) waits on before the full ``speech_end_silence_ms``."""
        return max(0, frame_end_ms - self._last_speech_end) if self._started is not None else 0

    def speech_so_far_ms(self) -> int:
        return self._last_speech_end - self._started if self._started is not None else 0

    def end_now(self) -> list[VadEvent]:
        """End the open utterance at its last speech frame because the caller decided the turn is
        over early (the answer is already understood); nothing if none is open."""
        return self.flush()

    def feed(self, is_speech: bool, at_ms: int) -> list[VadEvent]:
        """One frame's flag; ``at_ms`` is when the frame began. Returns the events it causes."""
        cfg = self.config
        frame_end = at_ms + cfg.frame_ms
        if self._started is None:
            if not is_speech:
                self._run_start = None
                return []
            if self._run_start is None:
                self._run_start = at_ms
            self._last_speech_end = frame_end
            if frame_end - self._run_start >= cfg.speech_start_ms:
                self._started, self._run_start = self._run_start, None
                return [SpeechStarted(self._started)]
            return []
        if is_speech:
            self._last_speech_end = frame_end
            return []
        if frame_end - self._last_speech_end >= cfg.speech_end_silence_ms:
            return [self._end()]
        return []

    def flush(self) -> list[VadEvent]:
        """End of stream: close an open utterance now instead of waiting for silence."""
        return [self._end()] if self._started is not None else []

    def _end(self) -> SpeechEnded:
        assert self._started is not None
        started, self._started = self._started, None
        length = self._last_speech_end - started
        return SpeechEnded(self._last_speech_end, started, too_short=length < self.config.min_speech_ms)
