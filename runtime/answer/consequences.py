"""What a call does with the answer classifier's verdict, per task.

Before answer: an announcement, SIT, busy or congestion tone ends the attempt with that
outcome (we cancel; the recording would only hold the operator's voice). An announcement is
known to be one (the detector's pending ``action``) before its kind is: from then on the bot
must not speak on the call (a 200 OK is hung up before the first prompt), and the early media
is heard until the kind is labelled or the classifier's horizon, then cancelled with it. After answer the
bot's first prompt is held until the verdict: a person gets the script; a machine gets the
task's choice: ``hangup`` (default), ``message`` (leave ``message`` after a voicemail's beep,
then hang up), and a screener hears ``screener_text`` (the caller's name and purpose), after
which the script starts as if a person had answered.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from huashu.core.config import AnswerSettings
from huashu.core.errors import UserError
from telephony.media.answer.classes import TERMINAL_EARLY, AnswerClass, Decision, Phase
from telephony.media.answer.classifier import Thresholds
from telephony.media.answer.detector import AnswerDetector
from telephony.media.answer.phrases import PhraseSpotter
from telephony.simulator.clock import Clock, holding

__all__ = ["AnswerSetup", "ON_MACHINE", "classify_clip", "ends_early", "machine_action", "listen_for_verdict",
           "new_detector", "setup_from_settings"]

ON_MACHINE = ("hangup", "message")
_MAX_TEXT = 500


@dataclass(frozen=True, slots=True)
class AnswerSetup:
    """One task's answer handling. ``spotter`` None: tones and speech shape only."""

    spotter: PhraseSpotter | None = None
    on_machine: str = "hangup"  # hangup | message
    message: str = ""  # said to a voicemail box when on_machine == "message"
    screener_text: str = ""  # said to a call screener; empty: hang up on screeners too
    # the longest the first prompt waits for a verdict: the answered horizon (4 s) plus ``person_wait_s`` (a
    # person whose ~2.8 s of first words open like a machine's is given the time to stop)
    hold_max_s: float = 4.6
    thresholds: Thresholds = field(default_factory=Thresholds)

    def __post_init__(self) -> None:
        if self.on_machine not in ON_MACHINE:
            raise ValueError(f"on_machine must be one of {ON_MACHINE}, got {self.on_machine!r}")
        if len(self.message) > _MAX_TEXT or len(self.screener_text) > _MAX_TEXT:
            raise ValueError(f"message and screener_text: at most {_MAX_TEXT} characters")
        if self.on_machine == "message" and not self.message.strip():
            raise ValueError("on_machine 'message' needs the message to leave")
        if not 0.5 <= self.hold_max_s <= 10.0:
            raise ValueError(f"hold_max_s must be within 0.5..10 s, got {self.hold_max_s!r}")


_VERDICTS: OrderedDict[tuple[bytes, Phase, int, Thresholds], Decision] = OrderedDict()
_MAX_VERDICTS = 1024


async def classify_clip(pcm: bytes, phase: Phase, setup: AnswerSetup, clock: Clock) -> Decision:
    """A clip (text mode) through the detector, off the event loop; virtual time stands still.

    The classifier is deterministic, so the same audio gets the same verdict: a simulated
    network plays the same few recordings over and over (as a real one does), and a
    campaign of thousands of calls classifies each recording once.
    """
    key = (hashlib.blake2b(pcm, digest_size=16).digest(), phase, id(setup.spotter), setup.thresholds)
    hit = _VERDICTS.get(key)
    if hit is not None:
        _VERDICTS.move_to_end(key)
        return hit

    def run() -> Decision:
        return new_detector(phase, setup).feed(pcm[i : i + 320] for i in range(0, len(pcm), 320))

    with holding(clock):
        d = await asyncio.to_thread(run)
    _VERDICTS[key] = d
    if len(_VERDICTS) > _MAX_VERDICTS:
        _VERDICTS.popitem(last=False)
    return d


def ends_early(d: Decision) -> bool:
    """An early-media verdict that ends the attempt (the network will not connect a person)."""
    return d.label in TERMINAL_EARLY


def machine_action(d: Decision, setup: AnswerSetup) -> tuple[str, str]:
    """(action, text) after answer: ``talk`` (a person: run the script), ``say_then_talk``
    (a screener), ``say_then_hangup`` (leave a message) or ``hangup``."""
    if not d.machine:
        return "talk", ""
    if d.label is AnswerClass.SCREENING and setup.screener_text.strip():
        return "say_then_talk", setup.screener_text
    if d.label is AnswerClass.VOICEMAIL and setup.on_machine == "message":
        return "say_then_hangup", setup.message
    return "hangup", ""


def new_detector(phase: Phase, setup: AnswerSetup) -> AnswerDetector:
    """The detector a call's phase listens with (early media keeps listening past ringback)."""
    return AnswerDetector(phase, setup.spotter, setup.thresholds, keep_listening=phase is Phase.EARLY)


async def listen_for_verdict(frames: AsyncIterator[bytes], phase: Phase, setup: AnswerSetup,
                             max_s: float | None = None, detector: AnswerDetector | None = None,
                             on_action: Callable[[Decision], None] | None = None) -> Decision | None:
    """Audio mode: feed the line's frames to the detector until a verdict (early media: a
    final one, labelled) or ``max_s`` seconds of audio; None if the frames ended (hangup)
    first. ``on_action`` hears the first actionable verdict once, when it comes before the
    final one (a pending announcement: the kind is still being listened for)."""
    det = detector or new_detector(phase, setup)
    told = False
    async for frame in frames:
        d = det.push(frame)
        if d is not None:
            return d
        if on_action is not None and not told and det.action is not None:
            told = True
            on_action(det.action)
        if max_s is not None and det.media_s >= max_s:
            return det.finish()
    return None


def setup_from_settings(answer: AnswerSettings) -> AnswerSetup | None:
    """The :class:`AnswerSetup` a runner uses from ``settings.answer`` (None when disabled).
    ValueError naming the settings when a value is wrong."""
    from runtime.answer.spotters import SpotterError, build_spotter

    if not answer.enabled:
        return None
    try:
        spotter = build_spotter(answer.recogniser, answer.tables)
        return AnswerSetup(spotter=spotter, on_machine=answer.on_machine, message=answer.message,
                           screener_text=answer.screener_text)
    except (SpotterError, ValueError) as exc:
        raise UserError(f"answer settings: {exc}") from None
