"""The demo's call runner: the real call path on the simulator, placed in the virtual day.

Like :class:`runtime.campaigns.sim_runner.SimulatorRunner`, plus two things the demo needs:
the customer's own answer curve (call variable ``answer_by_half_hour``) reaches the
simulated carrier, read at the attempt's virtual time of day (:mod:`runtime.demo.dayclock`),
and that virtual start time is written into the call record as ``virtual_started_at`` so
the report's half-hour chart shows when the call "happened".
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from designer.model import Script
from runtime.calls import VirtualClock, run_call
from runtime.campaigns.claims import CallReport
from runtime.campaigns.dialer import DialRequest
from runtime.campaigns.scripts import Resolver
from runtime.campaigns.sim_runner import CURVE_VARIABLE, report_from_result, script_variables
from runtime.demo.dayclock import VirtualDay, slot_of_local
from runtime.dialog.render import VariableError
from telephony.contract import OriginateRequest
from telephony.simulator import SimulatorDriver
from telephony.simulator.carrier import parse_answer_curve

__all__ = ["DemoRunner", "CURVE_VARIABLE"]


class DemoRunner:
    """A :class:`runtime.campaigns.dialer.CallRunner` for the demo campaign."""

    def __init__(self, resolver: Resolver, *, seed: int = 0, day: VirtualDay | None = None) -> None:
        self.clock = VirtualClock()
        self.driver = SimulatorDriver(seed=seed, clock=self.clock)
        self.day = day or VirtualDay(seed=seed)
        self._resolver = resolver
        self._scripts: dict[tuple[str, int | None], Script] = {}
        self._attempts: Counter[str] = Counter()  # per number, in this process

    def _script(self, req: DialRequest) -> Script:
        if not req.script_id:
            raise ValueError(f"task {req.task_id} has no script")
        key = (req.script_id, req.script_version)
        if key not in self._scripts:
            self._scripts[key] = Script.from_dict(self._resolver(req.script_id, req.script_version))
        return self._scripts[key]

    async def __call__(self, req: DialRequest) -> CallReport:
        script = self._script(req)
        self._attempts[req.phone] += 1
        when = self.day.time_of(req.phone, self._attempts[req.phone])
        origin_vars = {"attempt": str(req.attempt_id)}
        curve_text = req.variables.get(CURVE_VARIABLE)
        if curve_text:
            # The driver reads the curve at the (shared) virtual clock's hour; a flat curve at this
            # attempt's own slot makes the answer chance the one of the virtual time, whatever the clock says.
            p = parse_answer_curve(str(curve_text))[slot_of_local(when)]
            origin_vars[CURVE_VARIABLE] = ",".join([f"{p:.4f}"] * 48)
        variables = script_variables(req.variables)
        origin = OriginateRequest(req.phone, req.caller_id or "95555", f"attempt-{req.attempt_id}", variables=origin_vars)
        try:
            res = await run_call(self.driver, origin, script, variables, clock=self.clock)
        except VariableError as e:  # raised before dialling: no call was placed
            return CallReport(outcome="cancelled", cause=f"bad_variables: {e}")
        report = report_from_result(res)
        record = dict(report.record or {})
        record["virtual_started_at"] = when.isoformat()
        return dataclasses.replace(report, record=record)
