"""The virtual clock: time passes only when every task waits for it, in deadline order."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

import pytest

from telephony.simulator.clock import CHINA_TZ, RealClock, VirtualClock


def test_sleepers_wake_in_deadline_order_without_real_waiting() -> None:
    async def main() -> tuple[list[tuple[str, float]], float]:
        clock = VirtualClock()
        log: list[tuple[str, float]] = []

        async def w(name: str, d: float) -> None:
            await clock.sleep(d)
            log.append((name, clock.now()))

        await asyncio.gather(w("late", 120.0), w("a", 3.0), w("b", 3.0), w("mid", 60.0))
        return log, clock.now()

    t = time.perf_counter()
    log, now = asyncio.run(main())
    assert time.perf_counter() - t < 1.0
    assert log == [("a", 3.0), ("b", 3.0), ("mid", 60.0), ("late", 120.0)]
    assert now == 120.0


def test_time_does_not_jump_while_work_is_ready() -> None:
    async def main() -> list[float]:
        clock = VirtualClock()
        seen: list[float] = []
        q: asyncio.Queue[int] = asyncio.Queue()

        async def producer() -> None:
            for i in range(50):
                await clock.sleep(0.02)
                q.put_nowait(i)

        async def consumer() -> None:
            for _ in range(50):
                await q.get()
                for _ in range(5):  # a few hops of in-memory work per item
                    await asyncio.sleep(0)
                seen.append(clock.now())

        await asyncio.gather(producer(), consumer())
        return seen

    seen = asyncio.run(main())
    assert seen == pytest.approx([0.02 * (i + 1) for i in range(50)])


def test_cancelled_sleep_does_not_block_time() -> None:
    async def main() -> float:
        clock = VirtualClock()
        t = asyncio.ensure_future(clock.sleep(1000))
        await asyncio.sleep(0)
        t.cancel()
        await clock.sleep(1)
        return clock.now()

    assert asyncio.run(main()) == 1.0


def test_wall_time_follows_virtual_time() -> None:
    start = datetime(2026, 3, 2, 11, 45, tzinfo=CHINA_TZ)
    clock = VirtualClock(start)

    async def main() -> None:
        await clock.sleep(1800)

    asyncio.run(main())
    assert clock.wall() == start + timedelta(minutes=30)
    with pytest.raises(ValueError):
        VirtualClock(datetime(2026, 1, 1))


def test_real_clock_can_be_pinned_to_a_wall_time() -> None:
    start = datetime(2026, 3, 2, 12, 0, tzinfo=CHINA_TZ)
    clock = RealClock(wall_start=start)
    assert timedelta(0) <= clock.wall() - start < timedelta(seconds=1)
    assert RealClock().wall().tzinfo is not None


def test_hold_stops_time_while_a_thread_works() -> None:
    async def main() -> tuple[float, float]:
        clock = VirtualClock()
        timer = asyncio.ensure_future(clock.sleep(5.0))
        await asyncio.sleep(0)
        with clock.hold():
            await asyncio.to_thread(time.sleep, 0.05)  # the loop is idle, but a thread works
            during = clock.now()
        await timer
        return during, clock.now()

    during, after = asyncio.run(main())
    assert during == 0.0 and after == 5.0


def test_holding_is_a_no_op_for_a_real_clock() -> None:
    from telephony.simulator.clock import holding

    with holding(RealClock()):
        pass
    clock = VirtualClock()
    with holding(clock):
        assert clock._holds == 1
    assert clock._holds == 0
