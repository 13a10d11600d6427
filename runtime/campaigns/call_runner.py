"""The dialer's call runner over any telephony driver: one dial request -> one call through
:func:`runtime.calls.run_call` -> the report the claims layer stores.

The same runner drives the simulator (demo, load tests), a SIP trunk and FreeSWITCH; what
differs is the driver, whether the call needs speech (real lines always do; the simulator's
text mode only to make a recording sound like the call), and which calls are recorded
(``recordings.sample``). Subclasses add line-only call variables (:meth:`line_variables`)
or annotate the report (:meth:`annotate`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable, Mapping
from typing import Any

from designer.model import Script
from huashu.core.errors import UserError
from runtime.answer.consequences import AnswerSetup
from runtime.answer.per_task import resolve_setup
from runtime.calls import CallResult, Clock, RealClock, run_call
from runtime.calls.speech import SpeechKit
from runtime.campaigns.claims import CallReport
from runtime.campaigns.dialer import DialRequest
from runtime.campaigns.scripts import Resolver
from runtime.dialog.render import VariableError
from runtime.recordings import attempt_call_id, should_record
from telephony.contract import Driver, OriginateRequest
from telephony.recording.store import RecordingStore

__all__ = ["DriverRunner", "SpeechFactory", "report_from_result", "call_id_for"]

_log = logging.getLogger(__name__)

#: builds the speech side for a script (voice, recogniser for its language)
SpeechFactory = Callable[[Script], SpeechKit]


def call_id_for(req: DialRequest) -> str:
    """The call id every layer uses (logs, recordings, the driver): one per dial attempt."""
    return attempt_call_id(req.attempt_id)


def _recording_location(res: CallResult, store: RecordingStore | None) -> str | None:
    """The recording's place relative to its store (``YYYY/MM/DD/attempt-N.wav``): the same
    text means the same file from any node, working directory or machine (issue 17)."""
    if res.recording is None:
        return None
    if store is None:
        return res.recording.path.name
    try:
        return store.location_of(res.recording.path)
    except ValueError:
        _log.warning("recording %s is outside its store; stored by name", res.recording.path)
        return res.recording.path.name


def report_from_result(res: CallResult, store: RecordingStore | None = None) -> CallReport:
    """The row to store for a finished call; ``store``: the recording store that recorded it."""
    rec = res.engine_record
    opt_out = bool(rec and (rec.ended_by == "opt_out" or "opt_out" in rec.tags))
    location = _recording_location(res, store)
    record = res.to_dict()
    if isinstance(record.get("recording"), dict):  # the stored record (API, call page) names no server path
        record["recording"]["path"] = location
    return CallReport(
        outcome=str(res.outcome),
        cause=res.cause.name,
        ring_ms=res.ring_ms,
        talk_ms=res.talk_ms,
        recording=location,
        intent=rec.intent.category if rec else None,
        opt_out=opt_out,
        record=record,
    )


class DriverRunner:
    """A :class:`runtime.campaigns.dialer.CallRunner` over ``driver``.

    ``speech``: how calls hear and speak (None: text mode, simulator only).
    ``speech_when_recording_only``: the simulator's text mode needs speech only to render a
    recorded call's prompts as audio; unrecorded calls skip the TTS.
    ``recording_store`` + ``record_sample``: which answered calls are recorded.
    ``prerender``: before the first call of a script version, render its static prompts into
    the TTS chain's cache (this node's disk), so no call waits for TTS on them; and before
    each call is dialled, its first prompts with the customer's variables (the greeting).
    A task's ``voice`` is the voice of its calls and of that rendering.
    ``answer``: classify early media and the first seconds after answer and act on it
    (:mod:`runtime.answer.consequences`); None treats every answer as a person.
    """

    def __init__(
        self,
        resolver: Resolver,
        driver: Driver,
        *,
        clock: Clock | None = None,
        speech: SpeechFactory | None = None,
        speech_when_recording_only: bool = False,
        recording_store: RecordingStore | None = None,
        record_sample: float = 1.0,
        default_caller_id: str = "95555",
        prerender: bool = False,
        answer: AnswerSetup | None = None,
    ) -> None:
        self.driver = driver
        self.answer = answer  # answer classification (announcements, machines); None: off
        self.clock: Clock = clock or RealClock()
        self.recording_store = recording_store
        self.record_sample = record_sample
        self._resolver = resolver
        self._speech_factory = speech
        self._speech_when_recording_only = speech_when_recording_only
        self._scripts: dict[tuple[str, int | None], Script] = {}
        self._docs: dict[tuple[str, int | None], dict[str, Any]] = {}
        self._kits: dict[tuple[str, int | None, str | None], SpeechKit] = {}
        self._prerender = prerender
        self._ready: dict[tuple[str, int | None, str | None], asyncio.Future[Any]] = {}
        self._caller = default_caller_id
        self._task_default: AnswerSetup | None = None  # for tasks that switch it on where the node has it off

    def _key(self, req: DialRequest) -> tuple[str, int | None]:
        if not req.script_id:
            raise ValueError(f"task {req.task_id} has no script")
        return (req.script_id, req.script_version)

    def _script(self, req: DialRequest) -> Script:
        key = self._key(req)
        if key not in self._scripts:
            self._docs[key] = self._resolver(*key)
            self._scripts[key] = Script.from_dict(self._docs[key])
        return self._scripts[key]

    def _speech(self, req: DialRequest, script: Script, recorded: bool) -> SpeechKit | None:
        if self._speech_factory is None or (self._speech_when_recording_only and not recorded):
            return None
        key = self._kit_key(req)
        if key not in self._kits:  # one kit per script version and voice: its cache of prompts
            kit = self._speech_factory(script)
            doc = self._docs[self._key(req)]
            if req.voice:  # the task's voice (campaign create --voice) wins over the script's
                kit = dataclasses.replace(kit, voice=req.voice)
                doc = {**doc, "settings": {**(doc.get("settings") or {}), "voice": req.voice}}
            self._kits[key] = kit
            tts: Any = kit.tts
            if self._prerender and getattr(tts, "cache", None) is not None:
                from runtime.speech.cache import prerender

                self._ready[key] = asyncio.ensure_future(asyncio.to_thread(prerender, doc, tts, tts.cache))
        return self._kits[key]

    def _kit_key(self, req: DialRequest) -> tuple[str, int | None, str | None]:
        return (*self._key(req), req.voice or None)

    async def _first_prompts(self, script: Script, variables: Mapping[str, Any], speech: SpeechKit) -> None:
        """Render what the bot says first, with this customer's variables, before dialling:
        under load (many greetings rendered at once) the customer would otherwise hear
        silence after answering. A throwaway engine tells which prompts open the call."""
        from runtime.dialog.actions import Play
        from runtime.dialog.engine import DialogEngine

        try:
            plays = [a for a in DialogEngine(script, variables).start(0) if isinstance(a, Play)]
        except VariableError:
            return  # run_call reports it, before dialling
        for play in plays:
            try:
                await speech.render(play.text, play.audio)
            except Exception as e:  # noqa: BLE001 - the call renders again, with fallback
                _log.warning("first prompt not rendered before dialling: %s", e)

    async def _prompts_ready(self, req: DialRequest) -> None:
        """Wait for the version's static prompts (rendered once, by the first call's request);
        a failed render is logged and the calls render at call time with fallback."""
        key = self._kit_key(req)
        fut = self._ready.get(key)
        if fut is None:
            return
        try:
            report = await asyncio.shield(fut)
            failures = "; ".join(report.failures)
        except Exception as e:  # noqa: BLE001 - a TTS outage must not stop the campaign
            failures = str(e)
        if self._ready.pop(key, None) is fut and failures:  # the first call back says it, once
            _log.warning("prompts of %s@%s not pre-rendered: %s", req.script_id, req.script_version, failures)

    # -- hooks ----------------------------------------------------------------------------
    def line_variables(self, req: DialRequest) -> dict[str, str]:
        """Channel variables for the driver (not the script). A :class:`UserError` (a bad
        variable of this call) cancels this call before dialling, with the message as the cause."""
        return {"attempt": str(req.attempt_id), "campaign": str(req.task_id)}

    def script_variables(self, variables: Mapping[str, Any]) -> dict[str, Any]:
        """The variables the script renders with: the set ones."""
        return {k: v for k, v in variables.items() if v is not None}

    def annotate(self, req: DialRequest, report: CallReport) -> CallReport:
        return report

    async def answer_for(self, req: DialRequest) -> AnswerSetup | None:
        """The answer handling of this call: the task's (``req.answer``: on/off, machine
        action) over the runner's. A task that switches it on where the node has it off gets
        the built-in phrase tables, built once (off the event loop: ~1 s per table)."""
        task = req.answer
        if task is not None and task.mode == "on" and self.answer is None and self._task_default is None:
            from runtime.answer.spotters import build_spotter

            spotter = await asyncio.to_thread(build_spotter, "templates", ("zh", "en"))
            self._task_default = AnswerSetup(spotter=spotter)
        return resolve_setup(self.answer, task, lambda: self._task_default or AnswerSetup())

    # -- the call -------------------------------------------------------------------------
    async def __call__(self, req: DialRequest) -> CallReport:
        script = self._script(req)
        try:
            line_vars = self.line_variables(req)
        except UserError as e:  # a broken line variable cancels this call only, before dialling
            return CallReport(outcome="cancelled", cause=f"bad_variables: {e}")
        call_id = call_id_for(req)
        recorded = self.recording_store is not None and should_record(call_id, self.record_sample)
        origin = OriginateRequest(req.phone, req.caller_id or self._caller, call_id, variables=line_vars)
        speech = self._speech(req, script, recorded)
        try:
            answer = await self.answer_for(req)
        except UserError as e:  # a stored setting no longer valid (edited in the database): this call only
            return CallReport(outcome="cancelled", cause=f"bad_answer_settings: {e}")
        await self._prompts_ready(req)
        if speech is not None and self._prerender:
            await self._first_prompts(script, self.script_variables(req.variables), speech)
        try:
            res = await run_call(
                self.driver, origin, script, self.script_variables(req.variables), clock=self.clock,
                speech=speech,
                recording_store=self.recording_store if recorded else None,
                campaign=str(req.task_id),
                answer=answer,
            )
        except VariableError as e:  # raised before dialling: no call was placed
            return CallReport(outcome="cancelled", cause=f"bad_variables: {e}")
        return self.annotate(req, report_from_result(res, self.recording_store))

    async def aclose(self) -> None:
        """Close the driver (sockets, the Event Socket connection) and flush recordings."""
        close = getattr(self.driver, "aclose", None)
        if close is not None:
            with contextlib.suppress(Exception):
                await close()
        store_close = getattr(self.recording_store, "close", None)
        if callable(store_close):
            store_close()
