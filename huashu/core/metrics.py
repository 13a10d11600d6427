"""Prometheus metrics of a runtime or web process (scraped at ``/metrics``).

Names follow Prometheus conventions; the connect rate is derived in PromQL from
``huashu_call_attempts_total`` by outcome, and also exported as a gauge for dashboards
that cannot compute it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = [
    "REGISTRY",
    "CALLS_UP",
    "CALL_ATTEMPTS",
    "CONNECT_RATE",
    "ASR_LATENCY",
    "TTS_LATENCY",
    "QUEUE_DEPTH",
    "CONTENT_TYPE",
    "observe_attempt",
    "observe_asr",
    "observe_tts",
    "call_up",
    "set_node",
    "node_name",
    "render",
]

# What a ``/metrics`` response declares: ``generate_latest`` writes the classic text format,
# which every Prometheus version parses under this type.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

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
_node = socket.gethostname()
_counted: ContextVar[bool] = ContextVar("huashu_call_counted", default=False)


def set_node(node_id: str) -> None:
    """Name this process's node in ``huashu_calls_up`` (a runtime node calls it with its node id)."""
    global _node
    if not node_id.strip():
        raise ValueError("node id is empty")
    _node = node_id


def node_name() -> str:
    return _node


@contextmanager
def call_up(node: str | None = None) -> Iterator[None]:
    """``huashu_calls_up`` +1 while the block runs, -1 however it ends.

    Counted once per call: a nested ``call_up`` in the same task (a runner wrapper around a
    session that also counts) does not count the call twice.
    """
    if _counted.get():
        yield
        return
    gauge = CALLS_UP.labels(node=node or _node)
    token = _counted.set(True)
    gauge.inc()
    try:
        yield
    finally:
        gauge.dec()
        _counted.reset(token)


def observe_attempt(campaign: str, outcome: str) -> None:
    """Count one finished attempt and keep the per-campaign connect-rate gauge current."""
    CALL_ATTEMPTS.labels(campaign=campaign, outcome=outcome).inc()
    tally = _attempts.setdefault(campaign, [0, 0])
    tally[1] += 1
    if outcome == "connected":
        tally[0] += 1
    CONNECT_RATE.labels(campaign=campaign).set(tally[0] / tally[1])


def observe_asr(provider: str, seconds: float) -> None:
    """End of the customer's speech to the recogniser's final result, in seconds."""
    ASR_LATENCY.labels(provider=provider).observe(max(0.0, seconds))


def observe_tts(provider: str, cached: bool, seconds: float) -> None:
    """One prompt render; ``cached`` splits disk/memory hits from real synthesis."""
    TTS_LATENCY.labels(provider=provider, cache="hit" if cached else "miss").observe(max(0.0, seconds))


def render() -> bytes:
    """The registry in Prometheus text format, for a ``/metrics`` response."""
    return generate_latest(REGISTRY)
