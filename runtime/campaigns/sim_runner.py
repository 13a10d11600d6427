"""The dialer's call runner over the telephony simulator: the real call path (``run_call``:
the dialog engine on a simulated line, text mode) with a virtual carrier and customers.

``fast=True`` runs the calls on a :class:`VirtualClock`, so a two-minute call takes
milliseconds while the dialer still paces in real time (demo, benchmark); ``fast=False``
runs them in real time.
"""

from __future__ import annotations

from typing import Any

from designer.model import Script
from runtime.calls import CallResult, RealClock, VirtualClock, run_call
from runtime.campaigns.claims import CallReport
from runtime.campaigns.dialer import DialRequest
from runtime.campaigns.scripts import Resolver
from runtime.dialog.render import VariableError
from telephony.contract import OriginateRequest
from telephony.simulator import CarrierProfile, PersonaMix, SimulatorDriver

__all__ = ["SimulatorRunner", "simulator_runner", "report_from_result"]


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
                 personas: PersonaMix | None = None, default_caller_id: str = "95555") -> None:
        self.clock = VirtualClock() if fast else RealClock()
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
        variables: dict[str, Any] = {k: v for k, v in req.variables.items() if v is not None}
        origin = OriginateRequest(req.phone, req.caller_id or self._caller, f"attempt-{req.attempt_id}",
                                  variables={"attempt": str(req.attempt_id)})
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
