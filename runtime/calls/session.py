"""The call session: one dial attempt from ``originate`` to hangup, with the dialog engine in the middle.

The engine is a pure state machine; this is its I/O shell. Driver events, recognised speech
and fired timers go through one queue, in arrival order, so nothing overtakes a hangup or a
key press and nothing is dropped; the engine's actions go back out to the driver (play,
stop, hang up, transfer) and to the clock (timers).

Barge-in has two paths. With audio, the VAD's *start* of speech stops a barge-in-able prompt
at once (the recogniser's final result comes much later); in text mode the engine sees the
customer's words and asks for :class:`StopPlayback` itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypedDict, Unpack

from designer.model import Script
from huashu.core import metrics
from huashu.core.logs import call_context
from runtime.answer.consequences import (
    AnswerSetup,
    classify_clip,
    ends_early,
    listen_for_verdict,
    machine_action,
    new_detector,
)
from runtime.calls.listening import Ear, Heard, Hearing, TurnBudget, listen
from runtime.calls.result import CallResult
from runtime.calls.speech import SpeechKit, silent_prompt
from runtime.calls.turns import bot_turn_for
from runtime.dialog import actions as act
from runtime.dialog import events as ev
from telephony.contract import (
    Answered,
    CallEvent,
    CallHandle,
    Driver,
    DriverError,
    DtmfReceived,
    EarlyMedia,
    HungUp,
    LineLimitReached,
    OriginateRequest,
    PlaybackFinished,
    Ringing,
    SupportsBotTurns,
    SupportsTextMedia,
)
from telephony.media.answer.classes import AnswerClass, Decision, Phase
from telephony.media.answer.detector import AnswerDetector
from telephony.outcomes import (
    HangupCause,
    Outcome,
    cause_from_freeswitch,
    outcome_for_answer_class,
    outcome_for_call,
)
from telephony.recording.store import CapturingSink, RecordingStore
from telephony.simulator.clock import Clock, RealClock, holding

__all__ = ["run_call", "CallSession", "CallOptions", "EngineLike"]

_HANGUP_GRACE_S = 10.0  # after we hang up, how long the driver has to confirm
_BY = {"remote": "customer", "local": "bot", "network": "network"}
_log = logging.getLogger(__name__)
#: How long a call may wait before dialling for its personalised prompts (a neural voice takes
#: seconds a sentence); what is not ready by then renders when played.
PREPARE_PROMPTS_S = 20.0


class EngineLike(Protocol):
    finished: bool

    @property
    def record(self) -> Any: ...

    def start(self, at_ms: int = 0) -> list[Any]: ...

    def handle(self, event: Any) -> list[Any]: ...

    def personal_prompts(self) -> list[str]: ...


def _default_engine(script: Script, variables: Mapping[str, Any]) -> EngineLike:
    from runtime.dialog.engine import DialogEngine

    return DialogEngine(script, variables)


@dataclass(frozen=True, slots=True)
class _Fired:
    kind: str
    token: int


@dataclass(frozen=True, slots=True)
class _Guard:
    """Our hangup was not confirmed in time."""


_Item = CallEvent | Heard | _Fired | _Guard | Hearing


class CallOptions(TypedDict, total=False):
    """The keyword options of :class:`CallSession`, which :func:`run_call` passes on."""

    speech: SpeechKit | None
    recording_store: RecordingStore | None
    clock: Clock | None
    engine_factory: Callable[[Script, Mapping[str, Any]], EngineLike]
    campaign: str | None
    node: str | None
    answer: AnswerSetup | None


class CallSession:
    """Runs one call; use :func:`run_call` unless you need the session object (tests, live views)."""

    def __init__(
        self,
        driver: Driver,
        request: OriginateRequest,
        script: Script,
        variables: Mapping[str, Any],
        *,
        speech: SpeechKit | None = None,
        recording_store: RecordingStore | None = None,
        clock: Clock | None = None,
        engine_factory: Callable[[Script, Mapping[str, Any]], EngineLike] = _default_engine,
        campaign: str | None = None,
        node: str | None = None,
        answer: AnswerSetup | None = None,
    ) -> None:
        self.driver = driver
        # Log and metric labels: the campaign defaults to the request's ``campaign`` variable.
        self.campaign = campaign if campaign is not None else str(request.variables.get("campaign", ""))
        self.node = node
        self.request = request
        self.script = script
        self.speech = speech
        self.recording_store = recording_store
        self.clock: Clock = clock or RealClock()
        # Built before dialling: a missing variable must not cost a call.
        self.engine = engine_factory(script, variables)
        self.handle: CallHandle | None = None
        self._inbox: asyncio.Queue[_Item] = asyncio.Queue()
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: dict[str, asyncio.Task[None]] = {}
        self._t0 = 0.0
        self._answered_t: float | None = None
        self._hungup: HungUp | None = None
        self._sink: CapturingSink | None = None  # keeps the RecordingInfo when the driver closes it
        self._listen: act.Listen | None = None
        self._barge: dict[int, bool] = {}  # playing prompt -> may the customer interrupt it
        self._transferred: str | None = None
        self._error: str | None = None
        self._engine_started = False
        self._hearing = False
        self._held_silence: _Fired | None = None
        self.barge_ins = 0
        self.turn_budgets: list[TurnBudget] = []  # per recognised turn; in the result and the log
        self._played_t: float | None = None  # when the latest reply's first prompt went to the line
        self._up = contextlib.ExitStack()  # holds the calls-up count from answer to the end
        # what answers (issue 21): verdicts, the one that decides the outcome, a machine's prompt
        self.answer = answer
        self.answer_decisions: list[Decision] = []
        self._verdict: Decision | None = None
        self._machine_play: int | None = None
        self._early_task: asyncio.Task[None] | None = None
        self._early_det: AnswerDetector | None = None  # audio mode: the early media's detector
        self._heard_customer = False

    # -- small helpers --------------------------------------------------------------
    def _spawn(self, coro: Any, name: str) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        task.set_name(f"{name}:{self.request.call_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _at_ms(self) -> int:
        base = self._answered_t if self._answered_t is not None else self._t0
        return int(round((self.clock.now() - base) * 1000))

    # -- the run ------------------------------------------------------------------------
    async def run(self) -> CallResult:
        """The whole attempt, with every log line (tasks included) carrying the call id."""
        with call_context(self.request.call_id, campaign=self.campaign), self._up:
            result = await self._run()
            _log.info(
                "call ended: %s", result.outcome.value,
                extra={"hs_outcome": result.outcome.value, "hs_talk_ms": result.talk_ms, "hs_error": result.error},
            )
            return result

    async def _prepare_prompts(self) -> None:
        """This customer's personalised prompts (those with ``${variables}``) are synthesised
        before dialling, so no turn waits for TTS (static prompts were rendered when the version
        was approved). Bounded by :data:`PREPARE_PROMPTS_S`; what is not ready by then, or fails,
        renders when it is played, as it did before, and the log says so."""
        speech = self.speech
        if speech is None:
            return
        todo = [text for text in self.engine.personal_prompts() if speech.cached(text, None) is None]
        if not todo:
            return
        t0 = time.perf_counter()

        async def render_all() -> None:
            for text in todo:  # one after another: a neural voice takes a core for each
                await speech.render(text, None)

        try:
            with holding(self.clock):  # a render in a thread must not let virtual time run on
                await asyncio.wait_for(render_all(), PREPARE_PROMPTS_S)
        except Exception as exc:  # noqa: BLE001 - the call goes on; the prompt renders when played
            _log.warning("personalised prompts not ready before dialling (%s: %s); they render when played",
                         type(exc).__name__, exc)
            return
        _log.info("personalised prompts ready before dialling: %d in %.0f ms", len(todo),
                  1000 * (time.perf_counter() - t0))

    async def _run(self) -> CallResult:
        await self._prepare_prompts()
        self._t0 = self.clock.now()
        started = self.clock.wall()
        try:
            handle = await self.driver.originate(self.request)
        except LineLimitReached:
            raise
        except DriverError as exc:
            cause = HangupCause("NETWORK_OUT_OF_ORDER", 38, None)
            return self._result(cause, "network", Outcome.NETWORK_ERROR, started, error=str(exc))
        self.handle = handle
        self._spawn(self._pump_events(handle), "events")
        try:
            await self._loop(handle)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await handle.hangup("SYSTEM_SHUTDOWN")
            raise
        finally:
            for t in list(self._tasks) + list(self._timers.values()):
                t.cancel()
        hung = self._hungup
        cause = hung.cause if hung is not None else cause_from_freeswitch("NORMAL_CLEARING")
        by = hung.by if hung is not None else "local"
        outcome = handle.outcome or outcome_for_call(cause, self._answered_t is not None)
        verdict = self._verdict
        if verdict is not None and not (verdict.label is AnswerClass.SCREENING and self._heard_customer):
            outcome = outcome_for_answer_class(verdict.label.value) or outcome  # the SIP cause stays as it came
        return self._result(cause, by, outcome, started, error=self._error)

    def _result(
        self,
        cause: HangupCause,
        by: str | None,
        outcome: Outcome,
        started: datetime,
        error: str | None = None,
    ) -> CallResult:
        end = self.clock.now()
        answered = self._answered_t
        recording = None
        if self._sink is not None:
            recording = self._sink.close()
        return CallResult(
            call_id=self.request.call_id,
            number=self.request.number,
            outcome=outcome,
            cause=cause,
            hangup_by=by,
            engine_record=self.engine.record if self._engine_started else None,
            ring_ms=int(round(((answered if answered is not None else end) - self._t0) * 1000)),
            talk_ms=int(round((end - answered) * 1000)) if answered is not None else 0,
            recording=recording,
            started_at=started,
            ended_at=self.clock.wall(),
            transferred_to=self._transferred,
            turn_budgets=[b.to_dict() for b in self.turn_budgets],
            error=error,
            answer=tuple(d.to_dict() for d in self.answer_decisions),
        )

    async def _pump_events(self, handle: CallHandle) -> None:
        async for e in handle.events():
            self._inbox.put_nowait(e)

    async def _loop(self, handle: CallHandle) -> None:
        while True:
            item = await self._inbox.get()
            try:
                if await self._dispatch(handle, item):
                    return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # an engine or TTS failure must not leave the line open
                if self._error is None:
                    self._error = f"{type(exc).__name__}: {exc}"
                    _log.warning("call failed, hanging up: %s", self._error)
                with contextlib.suppress(Exception):
                    await handle.hangup("NORMAL_TEMPORARY_FAILURE")
                self._arm_guard()

    async def _dispatch(self, handle: CallHandle, item: _Item) -> bool:
        """Handle one item; True when the call is over."""
        if isinstance(item, HungUp):
            self._hungup = item
            if self._engine_started and not self.engine.finished and self._error is None:
                self.engine.handle(
                    ev.Hangup(self._at_ms(), by=_BY.get(item.by, item.by), cause=item.cause.name)
                )
            return True
        if isinstance(item, _Guard):
            return self._hungup is None
        if isinstance(item, EarlyMedia) and self.answer is not None and self._early_task is None:
            self._early_task = self._spawn(self._early_media(handle, self.answer), "early-media")
            return False
        if isinstance(item, Ringing | EarlyMedia):
            return False
        if isinstance(item, Answered):
            if self._early_task is not None:
                self._early_task.cancel()
            if self._announced_early():
                await self._answered_after_announcement(handle)
            elif self.answer is not None:
                await self._answered_with_classifier(handle, self.answer)
            else:
                await self._on_answered(handle)
            return False
        if isinstance(item, PlaybackFinished) and item.play_id == self._machine_play:
            await handle.hangup("NORMAL_CLEARING")  # the message is left
            self._arm_guard()
            return False
        if isinstance(item, DtmfReceived | Heard):
            self._heard_customer = True
        if self._error is not None or not self._engine_started:
            return False
        if isinstance(item, PlaybackFinished):
            self._barge.pop(item.play_id, None)
            await self._feed(handle, ev.PromptFinished(self._at_ms(), item.play_id))
        elif isinstance(item, DtmfReceived):
            await self._feed(handle, ev.Dtmf(self._at_ms(), item.digit))
        elif isinstance(item, Heard):
            heard_t, self._played_t = time.perf_counter(), None
            await self._feed(handle, ev.Speech(self._at_ms(), item.text, True, item.confidence,
                                               item.branch_hint, item.note))
            if item.budget is not None:
                self._keep_budget(item.budget, heard_t)
        elif isinstance(item, _Fired):
            self._timers.pop(item.kind, None)
            if item.kind == "silence" and self._hearing:
                # The customer is talking or being recognised: not silence (yet). Held until
                # the utterance is done; speech makes it stale, a dropped cough releases it.
                self._held_silence = item
                return False
            await self._feed(handle, ev.Timer(self._at_ms(), item.kind, item.token))
        elif isinstance(item, Hearing):
            self._hearing = item.active
            held, self._held_silence = self._held_silence, None
            if not item.active and held is not None:
                await self._feed(handle, ev.Timer(self._at_ms(), held.kind, held.token))
        return False

    def _keep_budget(self, budget: TurnBudget, heard_t: float) -> None:
        """Complete a turn's latency budget with answer -> first reply frame handed to the line."""
        if self._played_t is not None:
            budget.first_audio_ms = (self._played_t - heard_t) * 1000
        self.turn_budgets.append(budget)
        _log.info("turn budget: %.0f ms (endpoint %d, recognise %.0f, match %.1f, first audio %s)%s",
                  budget.total_ms, budget.endpoint_ms, budget.recognise_ms, budget.match_ms,
                  "-" if budget.first_audio_ms is None else f"{budget.first_audio_ms:.0f}",
                  " early" if budget.early else "", extra={"hs_turn_budget": budget.to_dict()})

    # -- what answers (issue 21) -------------------------------------------------------
    async def _early_media(self, handle: CallHandle, setup: AnswerSetup) -> None:
        """Classify early media; an announcement, SIT or busy/congestion tone ends the attempt.
        A failure here is logged and the call goes on as if nothing was classified."""
        try:
            await self._classify_early(handle, setup)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the call must not depend on the classifier
            _log.warning("early-media classification failed: %s: %s", type(exc).__name__, exc)

    async def _classify_early(self, handle: CallHandle, setup: AnswerSetup) -> None:
        clip = getattr(handle, "answer_audio", None)
        if clip is not None and getattr(handle, "text_mode", False):
            pcm = await clip("early")
            d = await classify_clip(pcm, Phase.EARLY, setup, self.clock) if pcm else None
        else:
            self._early_det = new_detector(Phase.EARLY, setup)
            d = await listen_for_verdict(handle.incoming_frames(), Phase.EARLY, setup, detector=self._early_det,
                                         on_action=self._early_action)
        if d is None or self._answered_t is not None or self._hungup is not None:
            return
        self.answer_decisions.append(d)
        _log.info("early media: %s (%.2f) at %.2f s, labelled at %.2f s", d.label.value, d.confidence,
                  d.decided_at_s, d.labelled_at)
        if ends_early(d):
            self._verdict = d
            await handle.hangup("ORIGINATOR_CANCEL")
            self._arm_guard()

    def _early_action(self, d: Decision) -> None:
        _log.info("early media: %s (%.2f) at %.2f s, the bot will not speak on this call; listening for the kind",
                  d.label.value, d.confidence, d.decided_at_s)

    def _announced_early(self) -> bool:
        """Early media was found to be an announcement whose kind is still being listened for."""
        det = self._early_det
        return det is not None and det.action is not None and det.action.pending and det.decision is None

    async def _answered_after_announcement(self, handle: CallHandle) -> None:
        """A 200 OK after early media was known to be an announcement: hang up before the first
        prompt, with the kind heard so far (``announcement`` if none)."""
        assert self._early_det is not None
        self._answered_t = self.clock.now()
        d = self._early_det.finish()
        self.answer_decisions.append(d)
        self._verdict = d
        _log.info("answered after an announcement: %s, hanging up before the first prompt", d.label.value)
        await handle.hangup("NORMAL_CLEARING")
        self._arm_guard()

    async def _answered_with_classifier(self, handle: CallHandle, setup: AnswerSetup) -> None:
        """Hold the first prompt until the answer is classified, then act on the verdict."""
        self._answered_t = self.clock.now()
        clip = getattr(handle, "answer_audio", None)
        if clip is not None and getattr(handle, "text_mode", False):
            pcm = await clip("answered")
            d = await classify_clip(pcm, Phase.ANSWERED, setup, self.clock) if pcm else None
        else:
            d = await listen_for_verdict(handle.incoming_frames(), Phase.ANSWERED, setup, setup.hold_max_s)
        if self._hungup is not None:
            return
        if d is not None:
            self.answer_decisions.append(d)
            _log.info("answered by: %s (%.2f) at %.2f s", d.label.value, d.confidence, d.decided_at_s)
        action, text = machine_action(d, setup) if d is not None else ("talk", "")
        if d is not None and action != "talk":
            self._verdict = d
        if action == "hangup":
            await handle.hangup("NORMAL_CLEARING")
            self._arm_guard()
            return
        if action == "say_then_hangup":
            self._machine_play = 1_000_000
            await handle.play(await self._prompt_audio(act.Play(self._machine_play, "answer", text, None, False)), self._machine_play)
            return
        if action == "say_then_talk":
            await handle.play(await self._prompt_audio(act.Play(999_999, "answer", text, None, False)), 999_999)
        await self._on_answered(handle, answered_at=self._answered_t)

    async def _on_answered(self, handle: CallHandle, answered_at: float | None = None) -> None:
        self._answered_t = answered_at if answered_at is not None else self.clock.now()
        self._up.enter_context(metrics.call_up(self.node))
        _log.info("call answered")
        if self.recording_store is not None:
            self._sink = CapturingSink(
                # filed under the real date, not a virtual clock's: retention deletes by that date
                self.recording_store.open(self.request.call_id)
            )
            await handle.start_recording(self._sink)
        self._engine_started = True
        # The first prompt is queued before media is read, so speech in the first frames
        # already counts as a barge-in on it (frames wait in the driver's queue meanwhile).
        await self._execute(handle, self.engine.start(0))
        if isinstance(handle, SupportsTextMedia) and handle.text_mode:
            self._spawn(self._text_media(handle), "text")
        elif self.speech is not None:
            self._spawn(self._audio_media(handle, self.speech), "media")

    async def _feed(self, handle: CallHandle, event: Any) -> None:
        await self._execute(handle, self.engine.handle(event))

    # -- actions --------------------------------------------------------------------
    async def _prompt_audio(self, play: act.Play) -> bytes:
        if self.speech is None:
            return silent_prompt(play.text) if play.text.strip() else bytes(16000 * 3 // 2)  # 1.5 s recording
        if self.speech.cached(play.text, play.audio) is None:
            with holding(self.clock):  # a render in a thread must not let virtual time run on
                return await self.speech.render(play.text, play.audio)
        return await self.speech.render(play.text, play.audio)

    async def _execute(self, handle: CallHandle, actions: list[Any]) -> None:
        plays: list[act.Play] = []
        listen: act.Listen | None = None
        for a in actions:
            if isinstance(a, act.Play):
                pcm = await self._prompt_audio(a)
                plays.append(a)
                self._barge[a.play_id] = a.barge_in
                await handle.play(pcm, a.play_id)
                if self._played_t is None:
                    self._played_t = time.perf_counter()
            elif isinstance(a, act.Listen):
                listen = self._listen = a
            elif isinstance(a, act.StopPlayback):
                await handle.stop_playback()
            elif isinstance(a, act.StartTimer):
                self._start_timer(a.kind, a.after_ms, a.token)
            elif isinstance(a, act.HangupCall):
                await handle.hangup("NORMAL_CLEARING")
                self._arm_guard()
            elif isinstance(a, act.Transfer):
                await self._transfer(handle, a.queue)
        if listen is None:
            for p in plays:  # a prompt of a node that does not listen cannot be interrupted
                self._barge[p.play_id] = False
        if isinstance(handle, SupportsBotTurns):
            turn = bot_turn_for(self.script, plays, listen)
            if turn is not None:
                handle.bot_turn(turn)

    async def _transfer(self, handle: CallHandle, queue: str) -> None:
        try:
            await handle.transfer(queue)
        except (DriverError, ValueError, NotImplementedError) as exc:
            await self._feed(handle, ev.TransferFailed(self._at_ms(), cause=str(exc) or "transfer_failed"))
            return
        self._transferred = queue

    def _start_timer(self, kind: str, after_ms: int, token: int) -> None:
        old = self._timers.pop(kind, None)
        if old is not None:
            old.cancel()

        async def fire() -> None:
            await self.clock.sleep(after_ms / 1000)
            self._inbox.put_nowait(_Fired(kind, token))

        self._timers[kind] = self._spawn(fire(), f"timer-{kind}")

    def _arm_guard(self) -> None:
        async def guard() -> None:
            await self.clock.sleep(_HANGUP_GRACE_S)
            self._inbox.put_nowait(_Guard())

        self._spawn(guard(), "hangup-guard")

    # -- media ----------------------------------------------------------------------
    async def _text_media(self, handle: SupportsTextMedia) -> None:
        async for u in handle.utterances():
            self._inbox.put_nowait(Heard(u.text, u.confidence))

    async def _audio_media(self, handle: CallHandle, speech: SpeechKit) -> None:
        async def barge_in() -> bool:
            if not any(self._barge.values()):
                return False
            self.barge_ins += 1
            await handle.stop_playback()
            return True

        def ear_for(asr: Any, oracle: bool) -> Ear:
            return Ear(
                asr,
                oracle,
                emit=self._inbox.put_nowait,
                barge_in=barge_in,
                listening=lambda: self._listen,
                clock=self.clock,
                closed=getattr(self.engine, "closed", None),
                early=speech.early_turn,
                end_silence_ms=speech.end_silence_ms(),
                forced=speech.forced_scoring,
            )

        await listen(
            handle.incoming_frames(), speech, self.clock, ear_for, getattr(handle, "last_said", None)
        )


async def run_call(
    driver: Driver,
    request: OriginateRequest,
    script: Script,
    variables: Mapping[str, Any],
    **options: Unpack[CallOptions],
) -> CallResult:
    """Dial, run the script if answered, and return the finished call.

    ``speech=None`` is text mode (the driver must offer text media, like the simulator's
    text mode). ``clock`` must be the driver's clock (a :class:`VirtualClock` for fast
    simulation). Raises the engine's ``VariableError`` before dialling when ``variables``
    do not fit the script, and :class:`LineLimitReached` when the driver is full.
    ``campaign`` labels the call's log lines; ``node`` its ``huashu_calls_up`` count
    (default: :func:`huashu.core.metrics.node_name`). ``answer``: classify early media and the
    first seconds after answer (announcements, machines) and act on the verdict; None: every
    answer is a person, as before.
    """
    return await CallSession(driver, request, script, variables, **options).run()
