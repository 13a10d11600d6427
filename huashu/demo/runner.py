"""The demo's call runner: the real call path on the simulator, placed in the virtual day.

A :class:`runtime.campaigns.sim_runner.SimulatorRunner` plus two things the demo needs: the
customer's own answer curve (call variable ``answer_by_half_hour``) reaches the simulated
carrier, read at the attempt's virtual time of day (:mod:`huashu.demo.dayclock`), and that
virtual start time is written into the call record as ``virtual_started_at`` so the
report's half-hour chart shows when the call "happened".

The network is a Chinese one (:meth:`CarrierProfile.for_region`): failures come as operator
announcements, some after a 200 OK, 彩铃 plays while ringing, and secretaries, screeners,
IVRs and faxes answer some numbers; the answer classifier tells them apart and the report
counts them under "reachability" (for this campaign: how many turned fully suspended).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from sqlalchemy.engine import Engine

from huashu.core.config import Settings
from huashu.demo.dayclock import VirtualDay, slot_of_local
from runtime.answer.consequences import AnswerSetup
from runtime.answer.references import default_spotter
from runtime.answer.voices import scene_voice
from runtime.campaigns.call_runner import DriverRunner
from runtime.campaigns.claims import CallReport
from runtime.campaigns.dialer import DialRequest
from runtime.campaigns.drivers import simulator_recording_kw
from runtime.campaigns.scripts import Resolver, store_resolver
from runtime.campaigns.sim_runner import CURVE_VARIABLE, SimulatorRunner
from runtime.campaigns.sms.outbox import SmsSender
from runtime.campaigns.sms.sink import SmsSink
from telephony.simulator.carrier import CarrierProfile, parse_answer_curve

__all__ = ["DemoRunner", "CURVE_VARIABLE", "demo_runner", "sms_sink_sender"]


class DemoRunner(SimulatorRunner):
    """A :class:`runtime.campaigns.dialer.CallRunner` for the demo campaign. ``recording``:
    the recording arguments of :func:`runtime.campaigns.drivers.simulator_recording_kw`."""

    def __init__(self, resolver: Resolver, *, seed: int = 0, day: VirtualDay | None = None,
                 carrier: CarrierProfile | None = None, answer: AnswerSetup | None = None, **recording: Any) -> None:
        """``carrier``/``answer`` default to a Chinese network and the template classifier; customers
        answer local caller ids more (the simulator's caller-id effect)."""
        if answer is None:
            answer = AnswerSetup(spotter=default_spotter(("zh",)))
        super().__init__(resolver, seed=seed, fast=True, carrier=carrier or CarrierProfile.for_region("cn"),
                         scene_voice=scene_voice(), answer=answer, caller_effect=True, **recording)
        self.day = day or VirtualDay(seed=seed)
        self._attempts: Counter[str] = Counter()  # per number, in this process
        self._when: dict[int, Any] = {}

    def line_variables(self, req: DialRequest) -> dict[str, str]:
        self._attempts[req.phone] += 1
        when = self._when[req.attempt_id] = self.day.time_of(req.phone, self._attempts[req.phone])
        out = DriverRunner.line_variables(self, req)  # not the simulator's: the curve is read below
        curve_text = req.variables.get(CURVE_VARIABLE)
        if curve_text:
            # The driver reads the curve at the (shared) virtual clock's hour; a flat curve at this
            # attempt's own slot makes the answer chance the one of the virtual time, whatever the clock says.
            p = parse_answer_curve(str(curve_text))[slot_of_local(when)]
            p = min(1.0, p * self.caller_factor(req))  # local caller ids are answered more
            out[CURVE_VARIABLE] = ",".join([f"{p:.4f}"] * 48)
        return out

    def annotate(self, req: DialRequest, report: CallReport) -> CallReport:
        when = self._when.pop(req.attempt_id, None)
        if when is None:
            return report
        record = dict(report.record or {})
        record["virtual_started_at"] = when.isoformat()
        return dataclasses.replace(report, record=record)


def demo_runner(engine: Engine, settings: Settings, seed: int, record_sample: float) -> DemoRunner:
    """The demo's call runner, recording ``record_sample`` of the answered calls (0: none).
    Raises :class:`runtime.campaigns.drivers.RunnerError` when recordings cannot be stored."""
    recording = simulator_recording_kw(settings) if record_sample > 0 else {}
    if recording:
        recording["record_sample"] = record_sample
    return DemoRunner(store_resolver(engine), seed=seed, **recording)


def sms_sink_sender(engine: Engine) -> SmsSender:
    """The demo's SMS follow-ups go to the simulator's SMS sink (counted, never sent)."""
    return SmsSender(engine, SmsSink(), "demo-sms")
