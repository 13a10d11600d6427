"""The simulator driver: a virtual carrier and simulated customers behind the driver contract.

The embedded default for the demo, tests and load benchmarks. Deterministic from the seed:
a number's carrier behaviour and persona come from hashing ``(seed, number)``; the attempt
(``variables["attempt"]``) varies what a redial can change. Time-of-day behaviour reads the
clock's wall time, so a campaign simulated on a :class:`VirtualClock` still shows a best slot;
a customer's own curve (call variable ``answer_by_half_hour``: 48 probabilities, from the
audience model) replaces the carrier's population curve for that call.

Audio mode (``customer_voice`` given) moves 20 ms frames both ways on one shared media
ticker for all calls, keeping absolute deadlines so frames stay on the 20 ms grid; its
lateness is measured in :attr:`SimulatorDriver.stats`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from telephony.contract import LineLimitReached, OriginateRequest
from telephony.outcomes import Outcome
from telephony.simulator.call import CustomerVoice, SimCall
from telephony.simulator.carrier import CarrierProfile, parse_answer_curve, plan_call, rng_for
from telephony.simulator.clock import Clock, RealClock
from telephony.simulator.media import SimulatedNetwork
from telephony.simulator.personas import PersonaMix
from telephony.simulator.scenes import SceneVoice

__all__ = ["SimulatorDriver", "DriverStats"]

_FRAME_S = 0.02
_MAX_CATCH_UP_S = 0.2


@dataclass(slots=True)
class DriverStats:
    placed: int = 0
    active: int = 0
    max_active: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    ticks: int = 0
    tick_lateness_s: list[float] = field(default_factory=list)
    response_latencies_s: list[float] = field(default_factory=list)
    packets_sent: int = 0  # audio mode with a simulated network: the customer's RTP packets
    packets_dropped: int = 0  # lost in the network
    frames_concealed: int = 0  # ticks the jitter buffer had no frame for (lost or late)
    packets_late: int = 0  # arrived after their playout slot


class _MediaTicker:
    """One task that moves a 20 ms frame for every answered audio call, on absolute deadlines."""

    def __init__(self, clock: Clock, stats: DriverStats) -> None:
        self.clock = clock
        self.stats = stats
        self.calls: dict[str, SimCall] = {}
        self._task: asyncio.Task[None] | None = None

    def add(self, call: SimCall) -> None:
        self.calls[call.call_id] = call
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._run())

    def remove(self, call: SimCall) -> None:
        self.calls.pop(call.call_id, None)

    async def _run(self) -> None:
        start = self.clock.now()
        k = 0
        while self.calls:
            k += 1
            target = start + k * _FRAME_S
            delay = target - self.clock.now()
            if delay > 0:
                await self.clock.sleep(delay)
            else:
                await asyncio.sleep(0)
            now = self.clock.now()
            late = now - target
            if late > _MAX_CATCH_UP_S:  # fell far behind (machine stalled): re-anchor, don't burst
                start, k = now, 0
            self.stats.ticks += 1
            self.stats.tick_lateness_s.append(max(0.0, late))
            for call in list(self.calls.values()):
                call.tick(now)

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()


class SimulatorDriver:
    """A :class:`~telephony.contract.Driver` whose far end is simulated in-process."""

    name = "simulator"
    real_calls = False

    def __init__(
        self,
        seed: int = 0,
        carrier: CarrierProfile | None = None,
        personas: PersonaMix | None = None,
        clock: Clock | None = None,
        *,
        customer_voice: CustomerVoice | None = None,
        recording_voice: CustomerVoice | None = None,
        scene_voice: SceneVoice | None = None,
        max_concurrent: int | None = None,
    ) -> None:
        """``recording_voice`` (text mode only): how a recorded call's customer side sounds —
        the customer's words reach the engine as text, and this voice renders them into the
        recording so that an operator hears both parties. ``scene_voice`` speaks the network's
        words (announcements, voicemail and screening greetings, IVR menus) in the carriers'
        wording; without it those scenes carry their tones only."""
        self.seed = seed
        self.carrier = carrier or CarrierProfile()
        self.personas = personas or PersonaMix.default()
        self.clock: Clock = clock or RealClock()
        self.customer_voice = customer_voice
        self.recording_voice = recording_voice
        self.scene_voice = scene_voice
        self.max_concurrent = max_concurrent
        self.stats = DriverStats()
        self.calls: dict[str, SimCall] = {}
        self._ticker = _MediaTicker(self.clock, self.stats)

    @property
    def text_mode(self) -> bool:
        return self.customer_voice is None

    async def originate(self, req: OriginateRequest) -> SimCall:
        if self.max_concurrent is not None and len(self.calls) >= self.max_concurrent:
            raise LineLimitReached(
                f"simulator line limit {self.max_concurrent} reached; call {req.call_id} not placed"
            )
        if req.call_id in self.calls:
            raise ValueError(f"call id {req.call_id} is already in progress")
        attempt = req.variables.get("attempt", "1")
        curve_text = req.variables.get("answer_by_half_hour")
        curve = parse_answer_curve(str(curve_text)) if curve_text else None
        plan = plan_call(self.seed, req.number, attempt, self.clock.wall(), self.carrier, curve)
        persona = self.personas.pick(rng_for(self.seed, "persona", req.number))
        call = SimCall(
            req,
            plan,
            persona,
            rng_for(self.seed, "customer", req.number, attempt),
            self.clock,
            voice=self.customer_voice,
            recording_voice=self.recording_voice,
            network=self._network(req.number, attempt),
            scene_voice=self.scene_voice,
            on_answer=self._answered,
            on_end=self._ended,
        )
        self.calls[req.call_id] = call
        self.stats.placed += 1
        self.stats.active = len(self.calls)
        self.stats.max_active = max(self.stats.max_active, self.stats.active)
        return call

    def _network(self, number: str, attempt: str) -> SimulatedNetwork | None:
        c = self.carrier
        if self.text_mode or (c.network_jitter_ms == 0 and c.packet_loss == 0):
            return None
        return SimulatedNetwork(
            rng_for(self.seed, "network", number, attempt), c.network_jitter_ms, c.packet_loss
        )

    def _answered(self, call: SimCall) -> None:
        if not call.text_mode and call.call_id not in self._ticker.calls:
            self._ticker.add(call)

    def _ended(self, call: SimCall) -> None:
        self.calls.pop(call.call_id, None)
        self._ticker.remove(call)
        self.stats.active = len(self.calls)
        key = str(call.outcome or Outcome.INTERRUPTED)
        self.stats.outcomes[key] = self.stats.outcomes.get(key, 0) + 1
        self.stats.response_latencies_s.extend(call.log.response_latencies_s)
        if call.network is not None:
            self.stats.packets_sent += call.network.sent
            self.stats.packets_dropped += call.network.dropped
            self.stats.frames_concealed += call.network.buffer.stats.lost
            self.stats.packets_late += call.network.buffer.stats.late

    async def aclose(self) -> None:
        for call in list(self.calls.values()):
            await call.aclose()
        await self._ticker.aclose()
