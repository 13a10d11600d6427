"""The virtual carrier: what happens to a dial attempt before anyone speaks.

Deterministic from ``(seed, number)``: each number gets fixed uniform draws (so the same
number is an empty number on every run, and answers in a good slot but not at 3 am), and
each attempt (``attempt`` variable) gets its own draws for the things that vary per call
(busy, ring time). Answer probability follows a half-hour curve of local time with a
lunchtime and an evening peak, so analytics built on simulated calls show a best slot.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from huashu.core.errors import UserError
from telephony.simulator.scenes import MACHINE_LABELS, Scene, scene_for

__all__ = [
    "CarrierProfile",
    "DialPlan",
    "PlanKind",
    "DEFAULT_ANSWER_CURVE",
    "plan_call",
    "rng_for",
    "half_hour_slot",
    "parse_answer_curve",
    "REGION_MIXES",
]


def _default_curve() -> tuple[float, ...]:
    """Probability that a reachable customer answers, for each half hour 00:00 .. 23:30."""
    # 00h .. 23h; half hours interpolate. Peaks at 12h (lunch) and 19h (evening).
    hourly = (
        0.05, 0.03, 0.02, 0.02, 0.03, 0.05, 0.10, 0.18, 0.28, 0.36, 0.40, 0.46,
        0.62, 0.55, 0.38, 0.36, 0.38, 0.44, 0.55, 0.68, 0.64, 0.45, 0.22, 0.10,
    )  # fmt: skip
    out: list[float] = []
    for h in range(24):
        nxt = hourly[(h + 1) % 24]
        out.append(hourly[h])
        out.append(round((hourly[h] + nxt) / 2, 3))
    return tuple(out)


DEFAULT_ANSWER_CURVE: tuple[float, ...] = _default_curve()


def half_hour_slot(when: datetime) -> int:
    """0 .. 47: which half hour of the local day ``when`` falls in."""
    return when.hour * 2 + (1 if when.minute >= 30 else 0)


@dataclass(frozen=True, slots=True)
class CarrierProfile:
    """The network's behaviour, as shares of all dial attempts and ranges in seconds."""

    answer_curve: tuple[float, ...] = DEFAULT_ANSWER_CURVE
    invalid_share: float = 0.04  # 空号, fixed per number
    powered_off_share: float = 0.05  # 关机/停机
    busy_share: float = 0.07
    network_error_share: float = 0.01
    reject_share: float = 0.12  # of customers who do not answer, how many press "decline"
    setup_s: tuple[float, float] = (0.3, 1.2)  # INVITE to ringing / failure
    answer_after_s: tuple[float, float] = (2.0, 14.0)  # ringing before a willing customer answers
    carrier_no_answer_s: tuple[float, float] = (18.0, 45.0)  # carrier gives up ringing
    reject_after_s: tuple[float, float] = (2.0, 10.0)
    early_media_share: float = 0.3  # ring-back tone as early media
    network_jitter_ms: float = 0.0  # audio mode: RTP delay spread on the customer's audio (0: ideal)
    packet_loss: float = 0.0  # audio mode: share of the customer's packets lost
    # -- what answers instead of a person (issue 21); all 0 = signalling only, as before --
    region: str = "cn"  # tones and the announcements' language: cn | us | eu
    suspended_share: float = 0.0  # 停机 numbers, fixed per number (of the non-empty ones)
    announce_share: float = 0.0  # of failures (empty, suspended, off, busy): played as an announcement
    announce_after_answer_share: float = 0.0  # of those announcements: after a 200 OK, not in early media
    machine_share: float = 0.0  # of numbers that answer: a machine does (fixed per number)
    machine_mix: tuple[tuple[str, float], ...] = (("voicemail", 0.6), ("screening", 0.15), ("ivr", 0.15),
                                                  ("fax", 0.1))
    music_ringback_share: float = 0.0  # numbers with a 彩铃 (music in early media while ringing)
    unreachable_share: float = 0.4  # of switched-off numbers: "暂时无法接通" rather than "已关机"

    @classmethod
    def for_region(cls, region: str, **overrides: Any) -> CarrierProfile:
        """A profile with the region's typical mix of announcements and machines (REGION_MIXES)."""
        if region not in REGION_MIXES:
            raise ValueError(f"unknown region {region!r}; known: {', '.join(sorted(REGION_MIXES))}")
        return cls(**{**REGION_MIXES[region], **overrides})

    def __post_init__(self) -> None:
        if len(self.answer_curve) != 48:
            raise ValueError(f"answer_curve needs 48 half-hour values, got {len(self.answer_curve)}")
        for i, p in enumerate(self.answer_curve):
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"answer_curve[{i}] = {p} is not a probability")
        shares = (self.invalid_share, self.powered_off_share, self.busy_share, self.network_error_share)
        if any(s < 0 for s in shares) or sum(shares) > 1.0:
            raise ValueError(
                f"invalid/powered-off/busy/network-error shares must be >= 0 and sum <= 1, got {shares}"
            )
        for name in ("suspended_share", "announce_share", "announce_after_answer_share", "machine_share",
                     "music_ringback_share", "unreachable_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"CarrierProfile.{name} must be a share in [0, 1], got {getattr(self, name)!r}")
        unknown = [m for m, _ in self.machine_mix if m not in MACHINE_LABELS]
        if unknown or not self.machine_mix or any(w < 0 for _, w in self.machine_mix):
            raise ValueError(f"CarrierProfile.machine_mix: labels from {MACHINE_LABELS} with weights >= 0")
        if self.region not in ("cn", "us", "eu"):
            raise ValueError(f"CarrierProfile.region must be cn, us or eu, got {self.region!r}")
        if self.network_jitter_ms < 0 or not 0 <= self.packet_loss < 1:
            raise ValueError(
                f"network_jitter_ms must be >= 0 and packet_loss in [0, 1), got {self.network_jitter_ms}, {self.packet_loss}"
            )
        for name in ("setup_s", "answer_after_s", "carrier_no_answer_s", "reject_after_s"):
            lo, hi = getattr(self, name)
            if not 0 <= lo <= hi:
                raise ValueError(
                    f"CarrierProfile.{name} must be (low, high) with 0 <= low <= high, got {(lo, hi)}"
                )

    def answer_probability(self, when: datetime) -> float:
        return self.answer_curve[half_hour_slot(when)]


#: Typical mixes per region: Chinese networks announce nearly every failure (and often after
#: a 200 OK), 彩铃 is common and the carriers' secretary service answers; elsewhere SIT and
#: voicemail dominate.
REGION_MIXES: dict[str, dict[str, Any]] = {
    "cn": {"region": "cn", "suspended_share": 0.06, "announce_share": 0.9, "announce_after_answer_share": 0.25,
           "machine_share": 0.08, "music_ringback_share": 0.35},
    "us": {"region": "us", "suspended_share": 0.02, "announce_share": 0.6, "announce_after_answer_share": 0.1,
           "machine_share": 0.25, "music_ringback_share": 0.0, "machine_mix": (("voicemail", 0.7), ("screening", 0.2),
                                                                               ("ivr", 0.08), ("fax", 0.02))},
    "eu": {"region": "eu", "suspended_share": 0.02, "announce_share": 0.7, "announce_after_answer_share": 0.1,
           "machine_share": 0.18, "music_ringback_share": 0.05},
}


class PlanKind(StrEnum):
    INVALID = "invalid"
    SUSPENDED = "suspended"
    POWERED_OFF = "powered_off"
    NETWORK_ERROR = "network_error"
    BUSY = "busy"
    ANSWER = "answer"
    REJECT = "reject"
    NO_ANSWER = "no_answer"


@dataclass(frozen=True, slots=True)
class DialPlan:
    """The carrier's script for one attempt: after ``setup_s`` it rings (or fails) and after
    ``ring_s`` more it is answered, rejected or given up, per ``kind``. ``cause`` is the
    FreeSWITCH-style hangup cause a failure reports, with its SIP status."""

    kind: PlanKind
    setup_s: float
    ring_s: float
    cause: str
    sip_status: int | None
    reason_q850: int | None = None
    early_media: bool = False
    draws: dict[str, float] = field(default_factory=dict, compare=False)
    scene: Scene | None = None  # what plays instead of a person (an announcement, 彩铃, a machine)


def rng_for(seed: int, *parts: str) -> random.Random:
    """A private random stream named by ``seed`` and ``parts`` (stable across runs and machines)."""
    h = hashlib.blake2b(digest_size=8)
    h.update(str(seed).encode())
    for p in parts:
        h.update(b"\x00" + p.encode())
    return random.Random(int.from_bytes(h.digest(), "big"))


def _between(rng: random.Random, lo_hi: tuple[float, float]) -> float:
    lo, hi = lo_hi
    return round(rng.uniform(lo, hi), 3)


def parse_answer_curve(text: str) -> tuple[float, ...]:
    """A customer's own 48 half-hour answer probabilities, from the call variable
    ``answer_by_half_hour`` (comma-separated, or a JSON list as the audience store writes it)."""
    body = text.strip().removeprefix("[").removesuffix("]")
    try:
        values = tuple(float(x) for x in body.split(",") if x.strip())
    except ValueError as exc:  # float()'s own
        raise UserError(f"answer_by_half_hour: not a list of numbers ({exc})") from None
    if len(values) != 48:
        raise UserError(f"answer_by_half_hour: needs 48 half-hour values, got {len(values)}")
    bad = [i for i, p in enumerate(values) if not 0.0 <= p <= 1.0]
    if bad:
        raise UserError(f"answer_by_half_hour[{bad[0]}] = {values[bad[0]]} is not a probability")
    return values


def plan_call(
    seed: int,
    number: str,
    attempt: str,
    when: datetime,
    profile: CarrierProfile,
    answer_curve: tuple[float, ...] | None = None,
) -> DialPlan:
    """Decide one attempt. Pure: the same arguments always give the same plan.

    ``answer_curve`` is this customer's own curve (from the audience model); the profile's
    curve is the population default. The scene (announcement, 彩铃, machine) is drawn from
    streams of its own, so a profile without scenes plans exactly as before.
    """
    per_number = rng_for(seed, "number", number)
    per_attempt = rng_for(seed, "attempt", number, attempt)
    plan = _signalling_plan(per_number, per_attempt, when, profile, answer_curve)
    return _with_scene(seed, number, attempt, plan, profile)


_LANG = {"cn": "zh", "us": "en", "eu": "en"}


def _with_scene(seed: int, number: str, attempt: str, plan: DialPlan, profile: CarrierProfile) -> DialPlan:
    from dataclasses import replace

    per_number = rng_for(seed, "scene-number", number)
    u_suspended, u_machine, u_music, u_off = (per_number.random() for _ in range(4))
    per_attempt = rng_for(seed, "scene", number, attempt)
    u_announce, u_after = per_attempt.random(), per_attempt.random()
    lang = _LANG[profile.region]
    if plan.kind is not PlanKind.INVALID and u_suspended < profile.suspended_share:
        plan = replace(plan, kind=PlanKind.SUSPENDED, cause="CALL_REJECTED", sip_status=403, reason_q850=None,
                       early_media=False)
    label = {PlanKind.INVALID: "announcement_invalid", PlanKind.SUSPENDED: "announcement_suspended",
             PlanKind.BUSY: "announcement_busy",
             PlanKind.POWERED_OFF: "announcement_unreachable" if u_off < profile.unreachable_share
             else "announcement_powered_off"}.get(plan.kind)
    if label is not None:
        if plan.kind is not PlanKind.POWERED_OFF and u_announce >= profile.announce_share:
            return plan
        if plan.kind is PlanKind.POWERED_OFF and profile.announce_share == 0:
            return plan  # the old behaviour: early media, then 480 with Q.850 cause 20
        phase = "answered" if u_after < profile.announce_after_answer_share else "early"
        scene = scene_for(label, phase, per_attempt, lang, profile.region)
        return replace(plan, scene=scene, early_media=phase == "early")
    if plan.kind is PlanKind.ANSWER and u_machine < profile.machine_share:
        names = [m for m, _ in profile.machine_mix]
        machine = per_number.choices(names, weights=[w for _, w in profile.machine_mix])[0]
        return replace(plan, scene=scene_for(machine, "answered", per_attempt, lang, profile.region))
    if plan.kind in (PlanKind.ANSWER, PlanKind.NO_ANSWER, PlanKind.REJECT) and u_music < profile.music_ringback_share:
        return replace(plan, early_media=True, scene=scene_for("ringback_music", "early", per_attempt, lang,
                                                               profile.region))
    return plan


def _signalling_plan(per_number: random.Random, per_attempt: random.Random, when: datetime, profile: CarrierProfile,
                     answer_curve: tuple[float, ...] | None) -> DialPlan:
    """What the network answers (invalid, powered off, busy, answer...), drawn from the number's
    stream (its habits: the same on every redial) and the attempt's (:func:`plan_call` names them)."""
    u_invalid, u_answer, u_reject = per_number.random(), per_number.random(), per_number.random()
    u_fail = per_attempt.random()
    setup = _between(per_attempt, profile.setup_s)
    early = per_attempt.random() < profile.early_media_share
    draws = {"invalid": u_invalid, "answer": u_answer, "reject": u_reject, "fail": u_fail}
    if u_invalid < profile.invalid_share:
        return DialPlan(PlanKind.INVALID, setup, 0.0, "UNALLOCATED_NUMBER", 404, draws=draws)
    edge = profile.powered_off_share
    if u_fail < edge:
        return DialPlan(
            PlanKind.POWERED_OFF, setup, 0.0, "SUBSCRIBER_ABSENT", 480, 20, early_media=True, draws=draws
        )
    edge += profile.network_error_share
    if u_fail < edge:
        return DialPlan(PlanKind.NETWORK_ERROR, setup, 0.0, "NORMAL_TEMPORARY_FAILURE", 503, draws=draws)
    edge += profile.busy_share
    if u_fail < edge:
        return DialPlan(PlanKind.BUSY, setup, 0.0, "USER_BUSY", 486, draws=draws)
    # The per-number answer draw is mixed with a per-attempt one so redials can succeed, but a
    # number's habit (always picks up at noon, never at night) shows through.
    u = 0.7 * u_answer + 0.3 * per_attempt.random()
    p_answer = (
        answer_curve[half_hour_slot(when)] if answer_curve is not None else profile.answer_probability(when)
    )
    if u < p_answer:
        return DialPlan(
            PlanKind.ANSWER,
            setup,
            _between(per_attempt, profile.answer_after_s),
            "NORMAL_CLEARING",
            200,
            early_media=early,
            draws=draws,
        )
    if u_reject < profile.reject_share:
        return DialPlan(
            PlanKind.REJECT,
            setup,
            _between(per_attempt, profile.reject_after_s),
            "CALL_REJECTED",
            603,
            early_media=early,
            draws=draws,
        )
    return DialPlan(
        PlanKind.NO_ANSWER,
        setup,
        _between(per_attempt, profile.carrier_no_answer_s),
        "NO_ANSWER",
        480,
        early_media=early,
        draws=draws,
    )
