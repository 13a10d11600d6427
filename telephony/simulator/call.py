"""One simulated call: the carrier's progress, the customer's behaviour, and the media.

Two media modes share everything else. In *text* mode the customer's words arrive as
:class:`~telephony.contract.TextUtterance` values and prompts last as long as their audio
would (on the clock, usually virtual); in *audio* mode the driver's 20 ms media ticker moves
real frames both ways and the customer speaks audio rendered by an offline TTS.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from telephony.contract import (
    DTMF_DIGITS,
    Answered,
    BotTurn,
    CallEvent,
    DtmfReceived,
    EarlyMedia,
    HangupBy,
    HungUp,
    OriginateRequest,
    PlaybackFinished,
    RecordingSink,
    Ringing,
    TextUtterance,
    drain_events,
    drain_frames,
)
from telephony.outcomes import (
    HangupCause,
    Outcome,
    cause_from_freeswitch,
    cause_from_sip_status,
    outcome_for_call,
)
from telephony.simulator.carrier import DialPlan, PlanKind
from telephony.simulator.clock import Clock, holding
from telephony.simulator.media import (
    InboundSpeech,
    OutboundQueue,
    SimulatedNetwork,
    TimelineRecorder,
    pcm_seconds,
    trim_silence,
)
from telephony.simulator.personas import HangUpNow, Persona, Press, Say, Silent, choose_reply, language_of
from telephony.simulator.scenes import SceneVoice, render_scene

__all__ = ["SimCall", "CustomerVoice", "CallLog"]

#: Renders a customer's words to 8 kHz 16-bit mono PCM: ``(text, language) -> pcm``.
CustomerVoice = Callable[[str, str], Awaitable[bytes]]

_POWERED_OFF_ANNOUNCEMENT_S = 3.0
_MAX_TALK_S = 900.0
_MACHINE_WAIT_S = 8.0  # a voicemail box records (or a screener waits) this long after its greeting


@dataclass(slots=True)
class CallLog:
    """What the simulated customer did, for tests, benchmarks and the oracle recogniser."""

    said: list[tuple[float, str, str]] = field(default_factory=list)  # (at, text, intent)
    pressed: list[tuple[float, str]] = field(default_factory=list)
    speech_end_at: float | None = None  # audio mode: last customer speech frame sent
    response_latencies_s: list[float] = field(default_factory=list)
    transferred_to: str | None = None
    plays: list[tuple[float, int, float]] = field(default_factory=list)  # (queued at, play id, seconds)
    interrupted: list[tuple[float, int]] = field(default_factory=list)  # (at, play id) cut by stop_playback


class SimCall:
    """A :class:`~telephony.contract.CallHandle` on the virtual carrier."""

    def __init__(
        self,
        req: OriginateRequest,
        plan: DialPlan,
        persona: Persona,
        rng: random.Random,
        clock: Clock,
        *,
        voice: CustomerVoice | None,
        recording_voice: CustomerVoice | None = None,
        network: SimulatedNetwork | None = None,
        scene_voice: SceneVoice | None = None,
        on_answer: Callable[[SimCall], None],
        on_end: Callable[[SimCall], None],
    ) -> None:
        self.call_id = req.call_id
        self.request = req
        self.plan = plan
        self.persona = persona
        self.outcome: Outcome | None = None
        self.cause: HangupCause | None = None
        self.hangup_by: HangupBy | None = None
        self.answered_at: float | None = None
        self.ended_at: float | None = None
        self.started_at = clock.now()
        self.text_mode = voice is None
        self.log = CallLog()
        self._rng = rng
        self._clock = clock
        self._voice = voice
        self._recording_voice = recording_voice
        self._on_answer = on_answer
        self._on_end = on_end
        self._scene_voice = scene_voice
        self._scene_pcm: bytes | None = None
        self.scene_played_at: float | None = None
        self.network: SimulatedNetwork | None = network
        self._events: asyncio.Queue[CallEvent] = asyncio.Queue()
        self._frames: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._texts: asyncio.Queue[TextUtterance | None] = asyncio.Queue()
        self._ended = asyncio.Event()
        self._out = OutboundQueue()
        self._in = InboundSpeech()
        self._done: dict[int, asyncio.Event] = {}
        self._sink: RecordingSink | None = None
        self._timeline: TimelineRecorder | None = None
        self._turns = 0
        self._reaction: asyncio.Task[None] | None = None
        self._text_player: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._spawn(self._carrier())

    # -- plumbing -------------------------------------------------------------------
    def _spawn(self, coro: Awaitable[None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @property
    def ended(self) -> bool:
        return self._ended.is_set()

    def _emit(self, ev: CallEvent) -> None:
        if not self._ended.is_set():
            self._events.put_nowait(ev)

    def _finish_play(self, play_id: int, interrupted: bool) -> None:
        self._emit(PlaybackFinished(play_id, interrupted))
        self._done.setdefault(play_id, asyncio.Event()).set()

    def _end(self, cause: HangupCause, by: HangupBy) -> None:
        if self._ended.is_set():
            return
        now = self._clock.now()
        for pid in self._out.clear():
            self._finish_play(pid, True)
        if self._timeline is not None and self._sink is not None:
            self._timeline.render_into(self._sink, now)
        if self._sink is not None:
            self._sink.close()
            self._sink = None
        self.cause, self.hangup_by, self.ended_at = cause, by, now
        self.outcome = outcome_for_call(cause, self.answered_at is not None)
        self._events.put_nowait(HungUp(cause, by))
        self._ended.set()
        self._frames.put_nowait(None)
        self._texts.put_nowait(None)
        current = asyncio.current_task()
        for t in list(self._tasks):
            if t is not current:
                t.cancel()
        self._on_end(self)

    # -- the carrier ----------------------------------------------------------------
    async def _scene_audio(self) -> bytes:
        """The scene's audio, rendered once; virtual time stands still while it renders."""
        if self._scene_pcm is None:
            assert self.plan.scene is not None
            with holding(self._clock):
                self._scene_pcm = await render_scene(self.plan.scene, self._scene_voice)
        return self._scene_pcm

    async def answer_audio(self, phase: str) -> bytes | None:
        """Text mode: what the far end plays in ``phase`` (early | answered) instead of a
        person, as one clip for the answer classifier; None when a person (or plain
        ringing) is there. Audio mode carries the same sound as frames."""
        scene = self.plan.scene
        if scene is None or scene.phase != phase:
            return None
        return await self._scene_audio()

    async def _play_scene(self) -> float:
        """Start the scene's audio on the line; returns its length in seconds."""
        pcm = await self._scene_audio()
        self.scene_played_at = self._clock.now()
        if not self.text_mode:
            self._in.say(pcm)
            self._on_answer(self)  # the media ticker moves frames from now on (early media too)
        return pcm_seconds(pcm)

    async def _start_scene(self) -> None:
        await self._play_scene()

    async def _scene_call(self) -> bool:
        """Announcements and machines; True when the scene decided the whole call."""
        plan, clock, scene = self.plan, self._clock, self.plan.scene
        if scene is None or scene.label == "ringback_music":
            return False
        if scene.phase == "early":
            self._emit(EarlyMedia())
            await clock.sleep(await self._play_scene())
            assert plan.sip_status is not None
            self._end(cause_from_sip_status(plan.sip_status, reason_q850=plan.reason_q850), "network")
            return True
        if plan.kind is not PlanKind.ANSWER:  # an announcement after a 200 OK: the network answers
            self._emit(Ringing())
            self._answer()
            await clock.sleep(await self._play_scene())
            self._end(cause_from_freeswitch("NORMAL_CLEARING"), "remote")
            return True
        return False

    async def _carrier(self) -> None:
        plan, clock = self.plan, self._clock
        await clock.sleep(plan.setup_s)
        if await self._scene_call():
            return
        if plan.kind in (PlanKind.INVALID, PlanKind.NETWORK_ERROR):
            assert plan.sip_status is not None
            self._end(cause_from_sip_status(plan.sip_status), "network")
            return
        if plan.kind is PlanKind.BUSY:
            self._end(cause_from_sip_status(486), "remote")
            return
        if plan.kind is PlanKind.POWERED_OFF:
            self._emit(EarlyMedia())  # "the number you dialled is switched off"
            await clock.sleep(_POWERED_OFF_ANNOUNCEMENT_S)
            self._end(cause_from_sip_status(480, reason_q850=plan.reason_q850), "network")
            return
        self._emit(Ringing())
        if plan.early_media:
            self._emit(EarlyMedia())
            if plan.scene is not None and plan.scene.label == "ringback_music" and not self.text_mode:
                self._spawn(self._start_scene())
        timeout = self.request.ring_timeout_s
        if plan.ring_s >= timeout:
            await clock.sleep(timeout)
            self._end(cause_from_sip_status(487), "local")  # our CANCEL
            return
        await clock.sleep(plan.ring_s)
        if plan.kind is PlanKind.REJECT:
            self._end(cause_from_sip_status(603), "remote")
        elif plan.kind is PlanKind.NO_ANSWER:
            self._end(HangupCause("NO_ANSWER", 19, 480), "network")
        elif plan.scene is not None and plan.scene.phase == "answered":  # a machine picks up
            self._answer()
            await clock.sleep(await self._play_scene() + _MACHINE_WAIT_S)
            self._end(cause_from_freeswitch("NORMAL_CLEARING"), "remote")
        else:
            self._answer()
            await clock.sleep(_MAX_TALK_S)
            self._end(cause_from_freeswitch("ALLOTTED_TIMEOUT"), "remote")

    def _answer(self) -> None:
        self.answered_at = self._clock.now()
        self._emit(Answered())
        self._on_answer(self)

    # -- media: audio mode (called by the driver's ticker every 20 ms) ------------------
    def tick(self, now: float) -> None:
        if self._ended.is_set():
            return
        out, finished, started = self._out.next_frame(now)
        inbound, speaking = self._in.next_frame()
        if self.network is not None:
            self.network.send(inbound, now)
            inbound = self.network.receive(now)
        if speaking:
            self.log.speech_end_at = now + 0.02
        elif started and self.log.speech_end_at is not None:
            self.log.response_latencies_s.append(now - self.log.speech_end_at)
            self.log.speech_end_at = None
        self._frames.put_nowait(inbound)
        if self._sink is not None:
            self._sink.write(inbound, out)
        for pid in finished:
            self._finish_play(pid, False)

    # -- media: text mode ------------------------------------------------------------
    async def _play_text(self) -> None:
        while self._out.items:
            cur = self._out.items[0]
            cur.started_at = self._clock.now()
            if self._timeline is not None:
                self._timeline.bot(cur.started_at, cur.pcm)
            await self._clock.sleep(cur.duration_s)
            self._out.items.popleft()
            self._finish_play(cur.play_id, False)

    # -- the CallHandle contract ---------------------------------------------------------
    def events(self) -> AsyncIterator[CallEvent]:
        return drain_events(self._events)

    def incoming_frames(self) -> AsyncIterator[bytes]:
        return drain_frames(self._frames)

    async def utterances(self) -> AsyncIterator[TextUtterance]:
        while True:
            u = await self._texts.get()
            if u is None:
                return
            yield u

    async def play(self, pcm: bytes, play_id: int) -> None:
        if self._ended.is_set():
            return
        self._out.add(play_id, pcm)
        self._done[play_id] = asyncio.Event()
        self.log.plays.append((self._clock.now(), play_id, pcm_seconds(pcm)))
        if self.text_mode and (self._text_player is None or self._text_player.done()):
            self._text_player = self._spawn(self._play_text())

    async def stop_playback(self) -> None:
        if self._text_player is not None and not self._text_player.done():
            self._text_player.cancel()
            self._text_player = None  # a cancelled task is not done yet: the next play() starts a new one
            if self._timeline is not None:
                self._timeline.cut_bot(self._clock.now())
        now = self._clock.now()
        for pid in self._out.clear():
            self.log.interrupted.append((now, pid))
            self._finish_play(pid, True)

    async def send_dtmf(self, digits: str) -> None:
        bad = [d for d in digits if d not in DTMF_DIGITS]
        if bad:
            raise ValueError(f"not DTMF digits: {''.join(bad)!r}")

    async def start_recording(self, sink: RecordingSink) -> None:
        if self._ended.is_set():
            sink.close()
            return
        self._sink = sink
        if self.text_mode:
            self._timeline = TimelineRecorder(self._clock.now())

    async def hangup(self, cause: str = "NORMAL_CLEARING") -> None:
        if self._ended.is_set():
            return
        if self.answered_at is None:
            self._end(cause_from_sip_status(487), "local")  # CANCEL before answer
        else:
            self._end(cause_from_freeswitch(cause), "local")

    async def transfer(self, destination: str) -> None:
        if self.answered_at is None:
            raise ValueError("cannot transfer a call that was not answered")
        self.log.transferred_to = destination
        self._end(cause_from_freeswitch("BLIND_TRANSFER"), "local")

    # -- the simulated customer --------------------------------------------------------
    def bot_turn(self, turn: BotTurn) -> None:
        """The bot spoke (and maybe listens): the customer decides how to react, once per turn."""
        if self._ended.is_set() or self.answered_at is None:
            return
        if self.plan.scene is not None and self.plan.scene.phase == "answered":
            return  # a machine does not answer the bot
        if self._reaction is not None and not self._reaction.done():
            self._reaction.cancel()
        action = choose_reply(self.persona, self._rng, turn, self._turns)
        self._turns += 1
        if not isinstance(action, Silent):
            self._reaction = self._spawn(self._react(action, turn))

    async def _wait_prompt(self, play_id: int | None, lead_s: float) -> None:
        """Until ``play_id`` is done, or ``lead_s`` seconds before its end (barge-in)."""
        if play_id is None or play_id not in self._done:
            return
        done = self._done[play_id]
        if lead_s <= 0:
            await done.wait()
            return
        pcm_len = next((pcm_seconds(p.pcm) for p in self._out.items if p.play_id == play_id), 0.0)
        wait = max(0.3, pcm_len - lead_s)
        sleeper = asyncio.ensure_future(self._clock.sleep(wait))
        waiter = asyncio.ensure_future(done.wait())
        try:
            await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waiter.cancel()

    async def _react(self, action: Say | Press | HangUpNow, turn: BotTurn) -> None:
        lead = -action.delay_s if isinstance(action, Say) and action.delay_s < 0 else 0.0
        await self._wait_prompt(turn.play_id, lead)
        if lead == 0.0:
            await self._clock.sleep(max(0.0, action.delay_s))
        if isinstance(action, HangUpNow):
            self._end(cause_from_freeswitch("NORMAL_CLEARING"), "remote")
        elif isinstance(action, Press):
            for d in action.digits:
                self.log.pressed.append((self._clock.now(), d))
                self._emit(DtmfReceived(d))
        else:
            await self._say(action, language_of(turn))

    async def _say(self, action: Say, lang: str) -> None:
        now = self._clock.now()
        self.log.said.append((now, action.text, action.intent))
        if self._voice is None:
            conf = round(self._rng.uniform(0.75, 0.98), 3)
            if self._timeline is not None and self._recording_voice is not None:
                with holding(self._clock):  # rendering must not let virtual time run on
                    pcm = trim_silence(await self._recording_voice(action.text, lang))
                self._timeline.customer(now, pcm)
            self._texts.put_nowait(TextUtterance(action.text, conf, barge_in=self._out.playing))
            return
        pcm = trim_silence(await self._voice(action.text, lang))
        if not self._ended.is_set():
            self._in.say(pcm)

    def last_said(self) -> tuple[str, float]:
        """The customer's latest words: the transcript oracle for audio-path tests and benchmarks."""
        if not self.log.said:
            return "", 0.0
        return self.log.said[-1][1], 0.9

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            self._end(cause_from_freeswitch("SYSTEM_SHUTDOWN"), "network")
