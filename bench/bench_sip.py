"""SIP driver against sipp on loopback: concurrent calls with RTP both ways, outbound RTP
inter-packet jitter, play() to first prompt packet, and calls set up per second.

    .venv/bin/python bench/bench_sip.py [--calls 100] [--hold 8] [--setups 200]

Prints medians/percentiles of real measurements (no assertions). Needs sipp (sip-tester).
On a loaded host the jitter is the scheduler's; compare with ``chrt -f 10 .venv/bin/python bench/bench_sip.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "telephony"))

from _timing import cpu_s, percentile  # noqa: E402
from sipp.peer import Sipp  # noqa: E402

from telephony.contract import Answered, HungUp, OriginateRequest  # noqa: E402
from telephony.sip import SipDriver, SipTrunk  # noqa: E402
from telephony.sip.call import SipCall  # noqa: E402


def _instrument(call: SipCall, arrivals: list[float], play_lat: list[float]) -> None:
    """Record echoed-packet arrival times and the play() -> first prompt packet delay."""
    stream = call.stream
    orig_rx = stream.datagram_received
    orig_next = stream._next_outbound
    pending: list[float] = []

    def rx(data: bytes, addr: tuple[str, int]) -> None:
        arrivals.append(time.monotonic())
        orig_rx(data, addr)

    def next_out() -> bytes:
        had = bool(stream._plays)
        out = orig_next()
        if had and pending:
            play_lat.append(time.monotonic() - pending.pop())
        return out

    orig_play = stream.play

    def play(pcm: bytes, play_id: int) -> None:
        pending.append(time.monotonic())
        orig_play(pcm, play_id)

    stream.datagram_received = rx  # type: ignore[method-assign]
    stream._next_outbound = next_out  # type: ignore[method-assign]
    stream.play = play  # type: ignore[method-assign]


async def held_calls(workdir: Path, n: int, hold_s: float) -> dict[str, Any]:
    sipp = Sipp("uas_bench.xml", workdir, calls=n, extra=["-rtp_echo", "-l", str(n * 2)], timeout_s=hold_s + 60)
    await sipp.start()
    driver = SipDriver(SipTrunk("127.0.0.1", sipp.port, rtp_port_range=(30000, 40000)))
    calls: list[SipCall] = []
    arrivals: list[list[float]] = []
    play_lat: list[float] = []
    answered = 0
    prompt = (b"\x00\x08\x00\xf8" * 80) * 50 * int(hold_s + 5)  # a square-ish wave for the whole hold

    async def one(i: int) -> None:
        nonlocal answered
        call = await driver.originate(OriginateRequest(f"{1000 + i}", "95500", f"bench-{i}", ring_timeout_s=20))
        arr: list[float] = []
        arrivals.append(arr)
        _instrument(call, arr, play_lat)
        calls.append(call)
        async for ev in call.events():
            if isinstance(ev, Answered):
                answered += 1
                await call.play(prompt, 1)
            if isinstance(ev, HungUp):
                return

    async def drain(call: SipCall) -> None:
        async for _ in call.incoming_frames():
            pass

    try:
        tasks = [asyncio.create_task(one(i)) for i in range(n)]
        t_setup = time.monotonic()
        while answered < n and time.monotonic() - t_setup < 20:
            await asyncio.sleep(0.05)
        for c in calls:
            asyncio.create_task(drain(c))
        await asyncio.sleep(1.0)  # settle
        for c in calls:
            c.stream.stats.intervals.clear()
            c.stream.stats._last = None
        for a in arrivals:
            a.clear()
        c0, t0 = cpu_s(), time.monotonic()
        await asyncio.sleep(hold_s)
        cpu, wall = cpu_s() - c0, time.monotonic() - t0
        up = sum(1 for c in calls if c.state == "answered")
        send_jitter = [abs(x - 0.020) * 1000 for c in calls for x in c.stream.stats.intervals]
        recv_jitter = [abs(b - a - 0.020) * 1000 for arr in arrivals for a, b in zip(arr, arr[1:], strict=False)]
        received = sum(len(a) for a in arrivals)
        for c in calls:
            await c.hangup()
        await asyncio.wait_for(asyncio.gather(*tasks), 20)
        rc = await sipp.wait(30)
    finally:
        await driver.aclose()
        await sipp.stop()
    return {
        "load_avg_1min": os.getloadavg()[0],
        "calls_up": up,
        "answered": answered,
        "send_jitter_p50_ms": percentile(send_jitter, .50),
        "send_jitter_p99_ms": percentile(send_jitter, .99),
        "send_jitter_max_ms": max(send_jitter) if send_jitter else float("nan"),
        "echo_arrival_jitter_p99_ms": percentile(recv_jitter, .99),
        "rtp_in_per_call_per_s": received / max(1, up) / wall,
        "cpu_percent_of_one_core": 100 * cpu / wall,
        "cpu_ms_per_call_second": 1000 * cpu / wall / max(1, up),
        "play_to_first_packet_p50_ms": 1000 * percentile(play_lat, .50),
        "play_to_first_packet_p95_ms": 1000 * percentile(play_lat, .95),
        "late_ticks": driver.clock.late_ticks,
        "sipp_rc": rc,
    }


async def setups(workdir: Path, n: int, window: int, transport: str = "udp") -> dict[str, Any]:
    sipp = Sipp(
        "uas_bench.xml", workdir, calls=n, extra=["-rtp_echo", "-l", str(n * 2)], timeout_s=120, transport=transport
    )
    await sipp.start()
    driver = SipDriver(SipTrunk("127.0.0.1", sipp.port, transport=transport, rtp_port_range=(40000, 50000)))
    sem = asyncio.Semaphore(window)
    lat: list[float] = []

    async def one(i: int) -> None:
        async with sem:
            t = time.monotonic()
            call = await driver.originate(OriginateRequest(f"{2000 + i}", "95500", f"setup-{i}", ring_timeout_s=20))
            async for ev in call.events():
                if isinstance(ev, Answered):
                    lat.append(time.monotonic() - t)
                    await call.hangup()
                if isinstance(ev, HungUp):
                    return

    try:
        t0 = time.monotonic()
        await asyncio.gather(*(one(i) for i in range(n)))
        wall = time.monotonic() - t0
        rc = await sipp.wait(30)
    finally:
        await driver.aclose()
        await sipp.stop()
    return {"calls": len(lat), "calls_per_s": len(lat) / wall, "setup_p50_ms": 1000 * percentile(lat, .50),
            "setup_p95_ms": 1000 * percentile(lat, .95), "sipp_rc": rc}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=100, help="concurrent calls held with RTP both ways")
    ap.add_argument("--hold", type=float, default=8.0, help="seconds to measure while all calls are up")
    ap.add_argument("--setups", type=int, default=200, help="calls for the set-up rate run")
    ap.add_argument("--window", type=int, default=20, help="calls in flight during the set-up run")
    ap.add_argument("--runs", type=int, default=2, help="repeat the held-calls run; medians are printed")
    args = ap.parse_args()
    if shutil.which("sipp") is None:
        sys.exit("sipp is not installed (Debian package sip-tester)")
    print(f"SIP driver vs sipp on loopback, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} "
          "(jitter figures degrade when other processes compete for the cores)")
    with tempfile.TemporaryDirectory() as tmp:
        runs = [asyncio.run(held_calls(Path(tmp), args.calls, args.hold)) for _ in range(args.runs)]
        print(f"\n{args.calls} concurrent calls held {args.hold:.0f} s, RTP both ways (sipp -rtp_echo), {args.runs} runs:")
        for key in runs[0]:
            vals = [r[key] for r in runs]
            med = statistics.median(vals)
            print(f"  {key:32s} median {med:9.2f}   runs: {', '.join(f'{v:.2f}' for v in vals)}")
        for transport in ("udp", "tcp"):
            s = asyncio.run(setups(Path(tmp), args.setups, args.window, transport))
            print(f"\ncall set-up rate over {transport.upper()} ({args.setups} calls, {args.window} in flight, "
                  "answer at once, BYE at once):")
            for key, val in s.items():
                print(f"  {key:32s} {val:9.2f}")


if __name__ == "__main__":
    main()
