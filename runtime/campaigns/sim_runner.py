"""The dialer's call runner over the telephony simulator: the real call path (``run_call``:
the dialog engine on a simulated line, text mode) with a virtual carrier and customers.

``fast=True`` runs the calls on a :class:`VirtualClock`, so a two-minute call takes
milliseconds while the dialer still paces in real time (demo, benchmark); ``fast=False``
runs them in real time.

A customer's own answer curve (call variable ``answer_by_half_hour``: 48 probabilities, as
the audience store writes them) is handed to the simulated carrier with the originate
request, so who picks up when follows the customer, not the population default. It is a
line property, not a script variable, so the dialog engine does not see it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from designer.model import Script
from runtime.calls import CallResult, RealClock, VirtualClock, run_call
from runtime.campaigns.claims import CallReport
from runtime.campaigns.dialer import DialRequest
from runtime.campaigns.scripts import Resolver
from runtime.dialog.render import VariableError
from telephony.contract import OriginateRequest
from telephony.simulator import CarrierProfile, PersonaMix, SimulatorDriver
from telephony.simulator.carrier import parse_answer_curve

__all__ = ["CURVE_VARIABLE", "SimulatorRunner", "customer_curve", "report_from_result", "script_variables",
           "simulator_runner"]

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


def report_from_result(res: CallResult) -> CallReport:
    rec = res.engine_record
    opt_out = bool(rec and (rec.ended_by == "opt_out" or "opt_out" in rec.tags))
    return CallReport(
        outcome=str(res.outcome),
        cause=res.cause.name,
        ring_ms=res.ring_ms,
        talk_ms=res.talk_ms,
        recording=str(res.recording.path) if res.recording else None,
        intent=rec.intent.category if rec else None,
        opt_out=opt_out,
        record=res.to_dict(),
    )


class SimulatorRunner:
    def __init__(self, resolver: Resolver, *, seed: int = 0, fast: bool = True, carrier: CarrierProfile | None = None,
                 personas: PersonaMix | None = None, default_caller_id: str = "95555",
                 start: datetime | None = None) -> None:
        """``start``: fast mode only, the virtual wall time the first call starts at (default
        10:00 China time); it decides which half hour of an answer curve applies."""
        self.clock = VirtualClock(start) if fast else RealClock()
        self.driver = SimulatorDriver(seed=seed, carrier=carrier, personas=personas, clock=self.clock)
        self._resolver = resolver
        self._scripts: dict[tuple[str, int | None], Script] = {}
        self._caller = default_caller_id

    def _script(self, req: DialRequest) -> Script:
        if not req.script_id:
            raise ValueError(f"task {req.task_id} has no script")
        key = (req.script_id, req.script_version)
        if key not in self._scripts:
            self._scripts[key] = Script.from_dict(self._resolver(req.script_id, req.script_version))
        return self._scripts[key]

    async def __call__(self, req: DialRequest) -> CallReport:
        script = self._script(req)
        origin_vars = {"attempt": str(req.attempt_id)}
        try:
            curve = customer_curve(req.variables)
        except ValueError as e:  # a broken curve cancels this call only, before dialling
            return CallReport(outcome="cancelled", cause=f"bad_variables: {e}")
        if curve is not None:
            origin_vars[CURVE_VARIABLE] = ",".join(f"{p:g}" for p in curve)
        variables = script_variables(req.variables)
        origin = OriginateRequest(req.phone, req.caller_id or self._caller, f"attempt-{req.attempt_id}",
                                  variables=origin_vars)
        try:
            res = await run_call(self.driver, origin, script, variables, clock=self.clock)
        except VariableError as e:  # raised before dialling: no call was placed
            return CallReport(outcome="cancelled", cause=f"bad_variables: {e}")
        return report_from_result(res)


def simulator_runner(resolver: Resolver | None = None, engine: Any = None, **kw: Any) -> SimulatorRunner:
    """Factory for ``--runner simulator``: scripts come from the approved versions in the store."""
    if resolver is None:
        from runtime.campaigns.database import open_engine
        from runtime.campaigns.scripts import store_resolver

        resolver = store_resolver(engine or open_engine(kw.pop("db_url", None)))
    return SimulatorRunner(resolver, **kw)
