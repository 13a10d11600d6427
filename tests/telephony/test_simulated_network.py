"""The simulator's network path: RTP-style jitter and loss in front of the receive jitter buffer."""

from __future__ import annotations

import random

import pytest

from telephony.simulator.media import SILENCE, SimulatedNetwork


def _frame(i: int) -> bytes:
    return i.to_bytes(4, "big") + bytes(316)


def _run(jitter_ms: float, loss: float, n: int = 1500) -> tuple[list[int], SimulatedNetwork]:
    net = SimulatedNetwork(random.Random(3), jitter_ms, loss)
    got: list[int] = []
    for k in range(n + 20):
        now = k * 0.02
        if k < n:
            net.send(_frame(k + 1), now)
        f = net.receive(now)
        if f != SILENCE:
            got.append(int.from_bytes(f[:4], "big"))
    return got, net


def test_ideal_network_delivers_every_frame_in_order() -> None:
    got, net = _run(0.0, 0.0)
    assert got == list(range(1, 1501))
    assert net.buffer.stats.lost == 0 and net.dropped == 0


def test_jitter_is_absorbed_in_order_and_losses_are_counted() -> None:
    got, net = _run(25.0, 0.02)
    assert got == sorted(got)  # never played out of order
    assert len(set(got)) == len(got)  # never twice
    assert 0.01 < net.dropped / net.sent < 0.03
    # what neither arrived nor played is accounted for: dropped, late or discarded to shrink
    missing = 1500 - len(got)
    s = net.buffer.stats
    assert missing == net.dropped + s.late + s.discarded
    assert s.lost == net.dropped + s.late  # every skipped slot: dropped, or came after it was given up
    assert s.target_depth > 2  # the buffer grew for 25 ms of jitter
    assert s.jitter_ms > 5


def test_bad_network_parameters_are_rejected() -> None:
    with pytest.raises(ValueError, match="jitter"):
        SimulatedNetwork(random.Random(1), -1.0, 0.0)
    with pytest.raises(ValueError, match="loss"):
        SimulatedNetwork(random.Random(1), 0.0, 1.0)
