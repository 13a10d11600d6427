"""The dialer's call runner over the telephony simulator: the real call path (``run_call``:
the dialog engine on a simulated line, text mode) with a virtual carrier and customers.

``fast=True`` runs the calls on a :class:`VirtualClock`, so a two-minute call takes
milliseconds while the dialer still paces in real time (demo, benchmark); ``fast=False``
runs them in real time.

A customer's own answer curve (call variable ``answer_by_half_hour``: 48 probabilities, as
the audience store writes them) is handed to the simulated carrier with the originate
request, so who picks up when follows the customer, not the population default. It is a
line property, not a script variable, so the dialog engine does not see it.

Recorded calls (a ``recording_store``; ``record_sample`` of them) get real audio: the bot's
prompts through the offline TTS and the customer's words through a second voice, so the
operator's player has both parties to listen to. Unrecorded calls stay pure text.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from runtime.answer.consequences import AnswerSetup
from runtime.calls import RealClock, VirtualClock
from runtime.campaigns.call_runner import DriverRunner, SpeechFactory, report_from_result
from runtime.campaigns.callerid.simeffect import answer_factor
from runtime.campaigns.dialer import DialRequest
from runtime.campaigns.scripts import Resolver
from telephony.recording.store import RecordingStore
from telephony.simulator import CarrierProfile, CustomerVoice, PersonaMix, SceneVoice, SimulatorDriver
from telephony.simulator.carrier import parse_answer_curve

__all__ = ["CURVE_VARIABLE", "SimulatorRunner", "customer_curve", "report_from_result", "script_variables",
           "simulator_runner", "tts_customer_voice"]

#: the call variable holding the customer's 48 half-hour answer probabilities
CURVE_VARIABLE = "answer_by_half_hour"


def customer_curve(variables: Mapping[str, Any]) -> tuple[float, ...] | None:
    """The customer's own answer curve from the job's variables, or None when it has none.
    ValueError (naming the variable) when it is there but not 48 probabilities."""
    text = variables.get(CURVE_VARIABLE)
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, list | tuple):
        text = ",".join(str(x) for x in text)
    return parse_answer_curve(str(text))


def script_variables(variables: Mapping[str, Any]) -> dict[str, Any]:
    """The variables the script renders with: set ones, without the line-only answer curve."""
    return {k: v for k, v in variables.items() if v is not None and k != CURVE_VARIABLE}


def tts_customer_voice(tts: Any, rate: float = 1.1) -> CustomerVoice:
    """A simulated customer's voice for recordings: ``tts.render(text, None, rate)`` off the loop."""

    async def voice(text: str, lang: str) -> bytes:
        out = await asyncio.to_thread(tts.render, text, None, rate)
        pcm: bytes = out.pcm
        return pcm

    return voice


class SimulatorRunner(DriverRunner):
    def __init__(self, resolver: Resolver, *, seed: int = 0, fast: bool = True, carrier: CarrierProfile | None = None,
                 personas: PersonaMix | None = None, default_caller_id: str = "95555",
                 start: datetime | None = None, recording_store: RecordingStore | None = None,
                 record_sample: float = 1.0, speech: SpeechFactory | None = None,
                 recording_voice: CustomerVoice | None = None, scene_voice: SceneVoice | None = None,
                 answer: AnswerSetup | None = None, caller_effect: bool = False) -> None:
        """``start``: fast mode only, the virtual wall time the first call starts at (default
        10:00 China time); it decides which half hour of an answer curve applies.
        ``speech`` renders recorded calls' prompts, ``recording_voice`` their customer side.
        ``scene_voice`` speaks the network's announcements and machine greetings (see
        :func:`runtime.answer.voices.scene_voice`), ``answer`` classifies them.
        ``caller_effect``: customers answer local caller ids more, and a caller id's answer rate
        falls with its calls that day (:mod:`runtime.campaigns.callerid.simeffect`)."""
        clock = VirtualClock(start) if fast else RealClock()
        driver = SimulatorDriver(seed=seed, carrier=carrier, personas=personas, clock=clock,
                                 recording_voice=recording_voice, scene_voice=scene_voice)
        super().__init__(resolver, driver, clock=clock, speech=speech, speech_when_recording_only=True,
                         recording_store=recording_store, record_sample=record_sample,
                         default_caller_id=default_caller_id, answer=answer)
        self.driver: SimulatorDriver = driver
        self.caller_effect = caller_effect
        self._base_curve = (carrier or CarrierProfile()).answer_curve
        self._default_caller = default_caller_id
        self.caller_calls: Counter[str] = Counter()  # per caller id, this runner's (simulated) day

    def caller_factor(self, req: DialRequest) -> float:
        """The answer multiplier of the number this call shows; counts the call against it."""
        caller = req.caller_id or self._default_caller
        factor = answer_factor(caller, req.phone, self.caller_calls[caller])
        self.caller_calls[caller] += 1
        return factor

    def line_variables(self, req: DialRequest) -> dict[str, str]:
        out = super().line_variables(req)
        curve = customer_curve(req.variables)
        if self.caller_effect:
            f = self.caller_factor(req)
            curve = tuple(min(1.0, p * f) for p in (curve or self._base_curve))
        if curve is not None:
            out[CURVE_VARIABLE] = ",".join(f"{p:g}" for p in curve)
        return out

    def script_variables(self, variables: Mapping[str, Any]) -> dict[str, Any]:
        return script_variables(variables)


def simulator_runner(resolver: Resolver | None = None, engine: Any = None, **kw: Any) -> SimulatorRunner:
    """A simulator runner over the approved versions in the store, without recordings: for
    ``module:factory`` runners that wrap it (``--runner simulator`` itself is built by
    :func:`runtime.campaigns.drivers.build_runner`, recordings included)."""
    if resolver is None:
        from runtime.campaigns.database import open_engine
        from runtime.campaigns.scripts import store_resolver

        resolver = store_resolver(engine or open_engine(kw.pop("db_url", None)))
    return SimulatorRunner(resolver, **kw)
