"""Prometheus metrics of a runtime or web process (scraped at ``/metrics``).

Names follow Prometheus conventions; the connect rate is derived in PromQL from
``huashu_call_attempts_total`` by outcome, and also exported as a gauge for dashboards
that cannot compute it.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = [
    "REGISTRY",
    "CALLS_UP",
    "CALL_ATTEMPTS",
    "CONNECT_RATE",
    "ASR_LATENCY",
    "TTS_LATENCY",
    "QUEUE_DEPTH",
    "observe_attempt",
    "render",
]

REGISTRY = CollectorRegistry(auto_describe=True)

CALLS_UP = Gauge("huashu_calls_up", "Calls currently connected", ["node"], registry=REGISTRY)
CALL_ATTEMPTS = Counter(
    "huashu_call_attempts_total", "Call attempts by outcome", ["campaign", "outcome"], registry=REGISTRY
)
CONNECT_RATE = Gauge("huashu_connect_rate", "Connected attempts / all attempts, per campaign", ["campaign"], registry=REGISTRY)
ASR_LATENCY = Histogram(
    "huashu_asr_latency_seconds",
    "End of customer speech to final recognition result",
    ["provider"],
    buckets=(0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2),
    registry=REGISTRY,
)
TTS_LATENCY = Histogram(
    "huashu_tts_latency_seconds",
    "Prompt render time (cache hits included)",
    ["provider", "cache"],
    buckets=(0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge("huashu_dial_queue_depth", "Numbers queued and not yet dialled", ["campaign"], registry=REGISTRY)

_attempts: dict[str, list[int]] = {}


def observe_attempt(campaign: str, outcome: str) -> None:
    """Count one finished attempt and keep the per-campaign connect-rate gauge current."""
    CALL_ATTEMPTS.labels(campaign=campaign, outcome=outcome).inc()
    tally = _attempts.setdefault(campaign, [0, 0])
    tally[1] += 1
    if outcome == "connected":
        tally[0] += 1
    CONNECT_RATE.labels(campaign=campaign).set(tally[0] / tally[1])


def render() -> bytes:
    return generate_latest(REGISTRY)
