"""What the engine asks the media/telephony side to do. Plain data; the driver decides how."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Play", "Listen", "StopPlayback", "StartTimer", "HangupCall", "Transfer", "SetTag", "Action"]


@dataclass(frozen=True, slots=True)
class Play:
    """Say ``text`` (or play ``audio``); answer with ``PromptFinished(play_id)`` when done."""

    play_id: int
    node_id: str
    text: str
    audio: str | None
    barge_in: bool


@dataclass(frozen=True, slots=True)
class Listen:
    """Recognise the customer on ``node_id``; ``grammar`` limits ASR to ``expected`` phrases."""

    node_id: str
    silence_timeout_ms: int
    dtmf_timeout_ms: int
    barge_in: bool
    expected: tuple[str, ...]
    hotwords: tuple[str, ...]
    grammar: bool


@dataclass(frozen=True, slots=True)
class StopPlayback:
    play_id: int


@dataclass(frozen=True, slots=True)
class StartTimer:
    """Fire ``Timer(kind, token)`` after ``after_ms``; a newer token makes older ones stale."""

    kind: str
    after_ms: int
    token: int


@dataclass(frozen=True, slots=True)
class HangupCall:
    reason: str


@dataclass(frozen=True, slots=True)
class Transfer:
    queue: str


@dataclass(frozen=True, slots=True)
class SetTag:
    tag: str


Action = Play | Listen | StopPlayback | StartTimer | HangupCall | Transfer | SetTag
