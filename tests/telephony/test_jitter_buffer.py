"""The receive jitter buffer: ordering, loss, lateness, duplicates, wrap-around, adaptive depth."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telephony.media.jitter import JitterBuffer, JitterConfig, PushResult


def _p(i: int) -> bytes:
    return i.to_bytes(4, "big")


def _drain(jb: JitterBuffer, ticks: int) -> list[int | None]:
    out = []
    for _ in range(ticks):
        f = jb.pop()
        out.append(None if f is None else int.from_bytes(f, "big"))
    return out


def test_reorders_within_depth() -> None:
    jb = JitterBuffer(JitterConfig(min_depth=3, adaptive=False))
    for seq in (10, 12, 11, 13, 14):
        jb.push(seq, seq * 160, _p(seq))
    assert _drain(jb, 5) == [10, 11, 12, 13, 14]
    assert jb.stats.reordered == 1 and jb.stats.lost == 0


def test_waits_for_min_depth_before_playing() -> None:
    jb = JitterBuffer(JitterConfig(min_depth=3, adaptive=False))
    jb.push(1, 160, _p(1))
    assert jb.pop() is None
    jb.push(2, 320, _p(2))
    assert jb.pop() is None
    jb.push(3, 480, _p(3))
    assert _drain(jb, 3) == [1, 2, 3]


def test_gap_counts_as_lost_and_late_packet_is_dropped() -> None:
    jb = JitterBuffer(JitterConfig(min_depth=2, adaptive=False))
    for seq in (1, 2, 4, 5):
        jb.push(seq, seq * 160, _p(seq))
    assert _drain(jb, 3) == [1, 2, None]
    assert jb.stats.lost == 1
    assert jb.push(3, 480, _p(3)) is PushResult.LATE
    assert jb.stats.late == 1
    assert _drain(jb, 2) == [4, 5]


def test_duplicates_are_dropped() -> None:
    jb = JitterBuffer(JitterConfig(min_depth=1, adaptive=False))
    assert jb.push(7, 0, _p(7)) is PushResult.ACCEPTED
    assert jb.push(7, 0, _p(7)) is PushResult.DUPLICATE
    assert jb.stats.duplicates == 1 and jb.depth == 1


def test_sequence_wraps_around() -> None:
    jb = JitterBuffer(JitterConfig(min_depth=2, adaptive=False))
    for seq in (65534, 65535, 0, 1):
        jb.push(seq, 0, _p(seq))
    assert _drain(jb, 4) == [65534, 65535, 0, 1]
    assert jb.stats.lost == 0


def test_rejects_bad_sequence_numbers() -> None:
    with pytest.raises(ValueError, match="sequence"):
        JitterBuffer().push(70000, 0, b"")
    with pytest.raises(ValueError, match="min_depth"):
        JitterConfig(min_depth=5, max_depth=2)


def test_adaptive_depth_grows_with_jitter_and_is_capped() -> None:
    calm = JitterBuffer(JitterConfig(min_depth=2, max_depth=8))
    rough = JitterBuffer(JitterConfig(min_depth=2, max_depth=8))
    rng = random.Random(1)
    for i in range(300):
        calm.push(i % 65536, i * 160, _p(i), arrival_s=i * 0.02 + 0.0005 * rng.random())
        rough.push(i % 65536, i * 160, _p(i), arrival_s=i * 0.02 + 0.06 * rng.random())
    assert calm.target_depth == 2
    assert rough.target_depth > calm.target_depth
    assert rough.target_depth <= 8
    assert rough.stats.jitter_ms > 10 > calm.stats.jitter_ms


def test_buffer_shrinks_when_too_full() -> None:
    jb = JitterBuffer(JitterConfig(min_depth=2, max_depth=4, adaptive=False, shrink_slack=1))
    for i in range(10):
        jb.push(i, i * 160, _p(i))
    first = jb.pop()
    assert first is not None
    assert jb.stats.discarded >= 6
    assert jb.depth <= 3


def test_underrun_waits_for_the_frame_and_refills() -> None:
    jb = JitterBuffer(JitterConfig(min_depth=2, adaptive=False))
    jb.push(1, 0, _p(1))
    jb.push(2, 0, _p(2))
    assert _drain(jb, 3) == [1, 2, None]  # third tick: nothing newer has arrived
    assert jb.stats.underruns == 1 and jb.stats.lost == 0
    assert jb.push(3, 0, _p(3)) is PushResult.ACCEPTED  # a stall, not a loss: still wanted
    assert jb.pop() is None  # refilling: one frame is not min_depth
    jb.push(4, 0, _p(4))
    assert _drain(jb, 2) == [3, 4]
    assert jb.stats.lost == 0 and jb.stats.late == 0


def test_frames_that_never_came_during_a_stall_count_as_lost() -> None:
    jb = JitterBuffer(JitterConfig(min_depth=2, adaptive=False))
    jb.push(1, 0, _p(1))
    jb.push(2, 0, _p(2))
    assert _drain(jb, 3) == [1, 2, None]
    jb.push(5, 0, _p(5))
    jb.push(6, 0, _p(6))
    assert _drain(jb, 2) == [5, 6]
    assert jb.stats.lost == 2  # 3 and 4
    assert jb.push(4, 0, _p(4)) is PushResult.LATE


@given(st.permutations(list(range(40))), st.integers(min_value=0, max_value=65535))
def test_any_order_within_the_window_plays_in_order(order: list[int], base: int) -> None:
    jb = JitterBuffer(JitterConfig(min_depth=40, max_depth=40, adaptive=False))
    for i in order:
        jb.push((base + i) % 65536, i * 160, _p(i))
    assert _drain(jb, 40) == list(range(40))
    assert jb.stats.lost == 0 and jb.stats.late == 0
